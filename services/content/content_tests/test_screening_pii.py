"""Personal data: NIK, KK, phone, e-mail, address with exact offsets; masked values pass."""

from __future__ import annotations

from kim_content.screening.pii import find_nik_shaped, find_pii, select

VALID_NIK = "3502011201900001"  # Jawa Timur, Ponorogo; born 12-01-1990; serial 0001
INVALID_16 = "1234567890123456"  # day 56 → no birth date: not a NIK


def _kinds(text: str) -> list[tuple[str, int, int, str]]:
    return [(h.kind, h.start, h.end, text[h.start : h.end]) for h in find_pii(text)]


def test_valid_nik_found_with_exact_offsets() -> None:
    text = f"Warga dengan NIK {VALID_NIK} menerima bantuan."
    start = text.index(VALID_NIK)
    assert ("nik", start, start + 16, VALID_NIK) in _kinds(text)


def test_kk_named_before_the_number() -> None:
    text = f"Nomor KK {INVALID_16} dilampirkan."
    start = text.index(INVALID_16)
    assert _kinds(text) == [("kk", start, start + 16, INVALID_16)]


def test_phone_numbers_in_local_and_international_form() -> None:
    text = "Hubungi 0812-3456-7890 atau +62 812 3456 7890 untuk pendaftaran."
    found = [(k, s, e, v) for k, s, e, v in _kinds(text) if k == "phone"]
    assert found == [
        ("phone", 8, 22, "0812-3456-7890"),
        ("phone", 28, 45, "+62 812 3456 7890"),
    ]


def test_email_found() -> None:
    text = "Kirim ke siti.rahayu@gmail.com ya."
    assert _kinds(text) == [("email", 9, 30, "siti.rahayu@gmail.com")]


def test_street_address_high_confidence() -> None:
    text = "Rumahnya di Jl. Merdeka No. 10 Ponorogo"
    hits = select(find_pii(text), {"address"}, "high")
    assert hits
    assert text[hits[0].start :].startswith("Jl. Merdeka No. 10")


def test_masked_values_and_clean_news_pass() -> None:
    text = (
        "NIK 35************** dan telepon 08**-****-**12, e-mail s***@*****.com. "
        "Kegiatan kerja bakti di Desa Sukorejo berjalan lancar."
    )
    assert find_pii(text) == []
    assert find_nik_shaped(text, []) == []


def test_invalid_16_digit_number_is_nik_shaped_not_nik() -> None:
    text = f"Nomor pesanan {INVALID_16} sudah dikirim."
    assert find_pii(text) == []
    [hit] = find_nik_shaped(text, find_pii(text))
    assert (hit.kind, text[hit.start : hit.end]) == ("nik_shaped", INVALID_16)


def test_grouped_valid_nik_is_nik() -> None:
    grouped = "3502.0112.0190.0001"
    text = f"Data {grouped} bocor"
    [hit] = find_nik_shaped(text, find_pii(text))
    assert (hit.kind, hit.start, hit.end) == ("nik", 5, 5 + len(grouped))


def test_nik_already_reported_is_not_reported_twice() -> None:
    text = f"NIK {VALID_NIK}"
    assert find_nik_shaped(text, find_pii(text)) == []
