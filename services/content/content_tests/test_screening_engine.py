"""The engine: verdicts, findings with offsets, reasons in Bahasa Indonesia, JSON."""

from __future__ import annotations

import json
import random
import time

from kim_content.screening import (
    Rule,
    ScreeningResult,
    Submission,
    WatchedWord,
    default_rules,
    load_rules,
    screen,
    seed_words,
)

VALID_NIK = "3502011201900001"
CLEAN_TITLE = "Kegiatan kerja bakti di Desa Sukorejo"
CLEAN_BODY = (
    "Warga Desa Sukorejo bergotong royong membersihkan saluran air pada Minggu pagi. "
    "Kepala desa mengajak warga menjaga kebersihan lingkungan dan memilah sampah. "
    "Informasi lengkap di https://sukorejo.ponorogo.go.id/berita."
)


def _screen(
    body: str = CLEAN_BODY,
    *,
    title: str = CLEAN_TITLE,
    rules: tuple[Rule, ...] | None = None,
    **flags: bool,
) -> ScreeningResult:
    submission = Submission(fields={"title": title, "body": body}, **flags)
    return screen(submission, default_rules() if rules is None else rules, seed_words())


def _hits(result: ScreeningResult) -> dict[str, str]:
    return {r.rule_id: r.action for r in result.hits}


def test_clean_village_news_is_clean_and_every_rule_recorded() -> None:
    result = _screen()
    assert result.verdict == "clean"
    assert result.hits == []
    assert [r.rule_id for r in result.rule_results] == [r.id for r in default_rules()]
    assert all(r.outcome == "passed" for r in result.rule_results)
    assert result.blocked_reasons == []
    assert result.censored == {}


def test_gambling_promotion_blocks() -> None:
    result = _screen("Ayo main slot gacor maxwin malam ini")
    assert result.verdict == "block"
    assert _hits(result) == {"words.watched": "block"}
    assert any("terkait judi" in r for r in result.blocked_reasons)


def test_nik_blocks_with_offsets_and_a_readable_reason() -> None:
    body = "Penerima bantuan atas nama warga dengan NIK " + VALID_NIK + " sudah dicatat."
    start = body.index(VALID_NIK)
    result = _screen(body)
    assert result.verdict == "block"
    [rule] = [r for r in result.rule_results if r.rule_id == "pii.nik"]
    [finding] = rule.findings
    assert (finding.field, finding.start, finding.end, finding.category) == (
        "body",
        start,
        start + 16,
        "nik",
    )
    assert VALID_NIK not in finding.preview
    assert result.blocked_reasons == [
        f"Ditemukan NIK pada isi (karakter {start + 1}\u2013{start + 16}). "
        "Hapus atau samarkan sebelum terbit."
    ]


def test_personal_data_is_never_stored_in_the_result() -> None:
    body = f"NIK {VALID_NIK}, HP 0812-3456-7890, surel siti.rahayu@gmail.com"
    dumped = json.dumps(_screen(body).model_dump(mode="json"))
    for secret in (VALID_NIK, "0812-3456-7890", "3456", "siti.rahayu"):
        assert secret not in dumped


def test_phone_and_email_block() -> None:
    result = _screen("Pendaftaran: 0812-3456-7890 atau siti.rahayu@gmail.com")
    assert {"pii.phone", "pii.email"} <= set(_hits(result))
    assert result.verdict == "block"


def test_masked_personal_data_passes() -> None:
    result = _screen("NIK 35************** dan nomor 08**-****-**12 sudah disamarkan.")
    assert result.verdict == "clean", result.reasons + result.blocked_reasons


def test_invalid_16_digit_number_goes_to_review_only() -> None:
    result = _screen("Nomor resi paket 1234567890123456 sudah diterima.")
    assert _hits(result) == {"pii.nik_shaped": "review"}
    assert result.verdict == "review"


def test_children_without_consent_block_citing_uu_pdp() -> None:
    result = _screen(shows_children=True)
    assert result.verdict == "block"
    assert _hits(result) == {"children.consent": "block"}
    assert "UU PDP Pasal 25" in result.blocked_reasons[0]
    assert _screen(shows_children=True, guardian_consent=True).verdict == "clean"


def test_strongest_outcome_wins() -> None:
    flagged = _screen("Dasar goblok, tidak datang kerja bakti.")
    assert flagged.verdict == "flag"
    reviewed = _screen("Dasar goblok. Info lengkap di https://berita-desa.xyz/a")
    assert reviewed.verdict == "review"
    blocked = _screen(f"Dasar goblok. https://berita-desa.xyz/a NIK {VALID_NIK}")
    assert blocked.verdict == "block"
    assert set(_hits(blocked)) == {"words.watched", "spam.unknown_domain", "pii.nik"}


def test_censor_masks_the_text_and_counts_as_flag() -> None:
    body = "Pemuda itu berteriak bangsat di depan balai desa."
    result = _screen(body)
    assert result.verdict == "flag"
    assert result.censored == {"body": "Pemuda itu berteriak b****** di depan balai desa."}
    assert _screen(result.censored["body"]).verdict == "clean"


def test_spam_signals() -> None:
    links = " ".join(f"https://sukorejo.desa.id/{i}" for i in range(5))
    assert _hits(_screen(links)) == {"spam.links": "flag"}
    assert _hits(_screen("Kunjungi https://bit.ly/abc")) == {"spam.unknown_domain": "review"}
    repeated = "Beli pupuk murah di toko kami. " * 3
    assert _hits(_screen(repeated)) == {"spam.repeated": "review"}
    shouting = "PENGUMUMAN PENTING UNTUK SELURUH WARGA DESA SUKOREJO HARAP HADIR DI BALAI DESA"
    assert _hits(_screen(shouting)) == {"spam.shouting": "flag"}
    contact = "Minat? Hubungi WA 0812-3456-7890"
    assert {"spam.contact", "pii.phone"} <= set(_hits(_screen(contact)))


def test_rules_disabled_by_data_are_skipped() -> None:
    rules = load_rules(
        [
            {**r.model_dump(), "enabled": r.id != "pii.nik"}
            for r in default_rules()
            if r.id != "pii.nik_shaped"
        ]
    )
    result = _screen(f"NIK {VALID_NIK}", rules=rules)
    assert "pii.nik" not in {r.rule_id for r in result.rule_results}
    assert result.verdict == "clean"


def test_rule_action_from_data_changes_the_outcome() -> None:
    rules = load_rules(
        [
            {**r.model_dump(), "action": "review"} if r.id == "spam.shouting" else r.model_dump()
            for r in default_rules()
        ]
    )
    shouting = "PENGUMUMAN PENTING UNTUK SELURUH WARGA DESA SUKOREJO HARAP HADIR DI BALAI DESA"
    assert _screen(shouting, rules=rules).verdict == "review"


def test_watched_word_rule_caps_word_actions() -> None:
    rules = load_rules(
        [{"id": "words.watched", "kind": "watched_words", "action": "flag", "params": {}}]
    )
    result = _screen("main slot gacor", rules=rules)
    assert result.verdict == "flag"


def test_address_of_a_home_blocks_but_a_public_place_goes_to_review() -> None:
    home = _screen("Pelaku tinggal di Jl. Merdeka No. 10 Ponorogo.")
    assert _hits(home) == {"pii.address": "block"}
    hall = _screen("Acara bertempat di Balai Desa, Jl. Raya Sukorejo No. 5.")
    assert _hits(hall) == {"pii.address": "review"}
    assert "Moderator" in hall.reasons[0]


def test_rt_rw_and_dates_in_news_pass() -> None:
    body = "Pada Minggu, 12 Januari 2025, warga RT 03 RW 02 Dusun Krajan menggelar kerja bakti."
    assert _screen(body).verdict == "clean"


def test_kabupaten_list_replaces_the_seed() -> None:
    words = [WatchedWord(word="reog palsu", action="review", category="lainnya")]
    result = screen(Submission(fields={"body": "Jual topeng reog palsu"}), default_rules(), words)
    assert result.verdict == "review"


def test_media_captions_and_tags_are_screened_with_their_field_names() -> None:
    submission = Submission(
        fields={"title": CLEAN_TITLE, "media.0.caption": f"KTP {VALID_NIK}", "tags": "judol"}
    )
    result = screen(submission, default_rules(), seed_words())
    fields = {f.field for r in result.hits for f in r.findings}
    assert fields == {"media.0.caption", "tags"}
    assert any("keterangan media 1" in r for r in result.blocked_reasons)


def test_empty_fields_and_submissions_are_clean() -> None:
    assert screen(Submission(fields={}), default_rules(), seed_words()).verdict == "clean"
    empty = Submission(fields={"title": "", "body": "   \n "})
    assert screen(empty, default_rules(), seed_words()).verdict == "clean"


def test_field_labels_in_reasons() -> None:
    result = screen(
        Submission(fields={"tags.2": "slot gacor", "media.1.alt": f"KTP {VALID_NIK}"}),
        default_rules(),
        seed_words(),
    )
    joined = " ".join(result.blocked_reasons)
    assert "pada tag 3" in joined
    assert "pada teks alternatif media 2" in joined


def test_result_is_json_for_a_jsonb_column() -> None:
    result = _screen(f"NIK {VALID_NIK} dasar bangsat", shows_children=True)
    dumped = result.model_dump(mode="json")
    assert json.loads(json.dumps(dumped)) == dumped
    assert ScreeningResult.model_validate(dumped) == result


def test_a_20000_character_body_screens_well_under_100_ms() -> None:
    words = (
        "kegiatan kerja bakti desa sukorejo warga gotong royong saluran air kepala posyandu "
        "balita imunisasi jalan rabat beton panen padi petani kelompok tani bantuan pemerintah "
        "kabupaten ponorogo keluarga penerima manfaat sampah kebersihan lingkungan"
    ).split()
    rng = random.Random(8)
    body = " ".join(rng.choice(words) + ("." if rng.random() < 0.08 else "") for _ in range(4000))[
        :20000
    ]
    _screen(body)  # warm the caches (lazy seed data, regexes, stemmer)
    best = min(_timed(body) for _ in range(5))
    assert best < 0.1


def _timed(body: str) -> float:
    """CPU time of this process: other work on a shared machine does not count."""
    started = time.process_time()
    _screen(body)
    return time.process_time() - started
