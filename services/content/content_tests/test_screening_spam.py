"""Spam signals: links and domains, repeated text, shouting, contact patterns."""

from __future__ import annotations

from kim_content.screening.spam import (
    domain_allowed,
    find_contacts,
    find_links,
    find_repeated,
    find_repeated_words,
    is_shouting,
)

ALLOWED = ["go.id", "desa.id", "ponorogo.go.id"]


def test_links_with_hosts_and_offsets() -> None:
    text = "Info di https://sukorejo.ponorogo.go.id/berita, www.slot-gacor.xyz dan bit.ly/abc."
    links = find_links(text)
    assert [(lk.host, text[lk.start : lk.end]) for lk in links] == [
        ("sukorejo.ponorogo.go.id", "https://sukorejo.ponorogo.go.id/berita"),
        ("slot-gacor.xyz", "www.slot-gacor.xyz"),
        ("bit.ly", "bit.ly/abc"),
    ]


def test_no_links_in_plain_text_or_email_domains() -> None:
    assert find_links("Kegiatan kerja bakti di Desa Sukorejo. Versi 1.2 selesai.") == []
    assert find_links("surel: admin@desa.id") == []


def test_domain_allow_list_by_suffix() -> None:
    assert domain_allowed("sukorejo.ponorogo.go.id", ALLOWED)
    assert domain_allowed("desa.id", ALLOWED)
    assert not domain_allowed("go.id.evil.xyz", ALLOWED)
    assert not domain_allowed("notgo.id", ALLOWED)


def test_repeated_sentences() -> None:
    text = "Promo murah sekali hari ini. Promo murah sekali hari ini! PROMO murah sekali hari ini."
    spans = find_repeated(text, min_chars=20, min_repeats=3)
    assert [text[s.start : s.end] for s in spans] == [
        "Promo murah sekali hari ini",
        "PROMO murah sekali hari ini",
    ]
    assert find_repeated(text, min_chars=20, min_repeats=4) == []


def test_normal_text_is_not_repeated() -> None:
    text = "Warga bekerja bakti. Kepala desa hadir. Warga bekerja bakti lagi minggu depan."
    assert find_repeated(text, min_chars=20, min_repeats=2) == []


def test_repeated_words_run() -> None:
    text = "gacor gacor gacor gacor gacor sekarang"
    [span] = find_repeated_words(text, min_run=5)
    assert (span.start, span.end) == (0, 29)
    assert find_repeated_words("sama sama", min_run=5) == []


def test_shouting() -> None:
    assert is_shouting(
        "PENGUMUMAN PENTING UNTUK SELURUH WARGA DESA SUKOREJO HARAP HADIR",
        min_letters=40,
        ratio=0.7,
    )
    assert not is_shouting("PENGUMUMAN PENTING", min_letters=40, ratio=0.7)
    assert not is_shouting(
        "Pengumuman penting untuk seluruh warga Desa Sukorejo (BPD, PKK, RT/RW).",
        min_letters=40,
        ratio=0.7,
    )


def test_contact_patterns() -> None:
    text = "Hubungi WA 0812-3456-7890 atau wa.me/6281234567890, hub: +62 812 3456 7890."
    assert [(s.label, text[s.start : s.end]) for s in find_contacts(text)] == [
        ("contact_number", "Hubungi WA 0812-3456-7890"),
        ("chat_link", "wa.me/6281234567890"),
        ("contact_number", "hub: +62 812 3456 7890"),
    ]


def test_no_contact_pattern_in_office_mention_or_masked_number() -> None:
    assert find_contacts("Telp kantor desa buka pukul 08.00.") == []
    assert find_contacts("Hubungi WA 08**-****-**12") == []
