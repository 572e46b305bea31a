"""Watched words: seed lists, obfuscation, affixes, no false positives, censoring."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kim_content.screening import WatchedWord, censor, find_watched, seed_words


def _found(text: str) -> list[tuple[str, str, str]]:
    return [
        (m.word.word, m.word.action, text[m.start : m.end])
        for m in find_watched(text, seed_words())
    ]


def test_seed_lists_cover_every_category_with_valid_actions() -> None:
    words = seed_words()
    assert {w.category for w in words} >= {"judi", "pinjol", "sara", "kasar"}
    assert seed_words() is words  # read once


@pytest.mark.parametrize(
    "text",
    [
        "Kegiatan kerja bakti di Desa Sukorejo",
        "judul berita hari ini",
        "Warga mengajukan pinjaman ke koperasi desa",
        "Anjing liar menggigit warga di dusun Krajan",
        "Pembangunan jalan desa selesai tepat waktu",
        "Petani memanen padi bersama kelompok tani",
        "Kebakaran gereja tua di dusun Krajan berhasil dipadamkan",
        "Berdasarkan data desa, dana desa dipakai untuk jalan",
    ],
)
def test_clean_village_news_matches_nothing(text: str) -> None:
    assert _found(text) == []


def test_promotional_gambling_phrases_block() -> None:
    assert _found("main slot gacor maxwin") == [
        ("slot gacor", "block", "slot gacor"),
        ("maxwin", "block", "maxwin"),
    ]


@pytest.mark.parametrize(
    ("text", "original"),
    [
        ("ayo j u d i", "j u d i"),
        ("ayo jud1", "jud1"),
        ("ayo juuudi", "juuudi"),
        ("ayo JUDI", "JUDI"),
        ("ayo berjudi", "berjudi"),
        ("razia perjudian", "perjudian"),
        ("judinya", "judinya"),
    ],
)
def test_obfuscated_and_affixed_judi_is_caught(text: str, original: str) -> None:
    assert [(w, orig) for w, _, orig in _found(text)] == [("judi", original)]


def test_spelled_and_glued_phrases() -> None:
    assert _found("s.l.o.t") == [("slot", "flag", "s.l.o.t")]
    assert _found("juuudi online") == [("judi online", "review", "juuudi online")]
    assert _found("slotgacor") == [("slot gacor", "block", "slotgacor")]
    assert _found("s l o t g a c o r") == [("slot gacor", "block", "s l o t g a c o r")]


def test_pinjol_with_suffix_but_not_pinjaman() -> None:
    assert _found("pinjolnya") == [("pinjol", "review", "pinjolnya")]
    assert _found("pinjaman") == []
    assert _found("pinjol cepat cair tanpa BI checking") == [
        ("pinjol cepat cair", "block", "pinjol cepat cair"),
        ("tanpa bi checking", "block", "tanpa BI checking"),
    ]


def test_insults_are_phrases_and_sara_is_listed() -> None:
    assert _found("dasar anjing kau") == [("dasar anjing", "censor", "dasar anjing")]
    assert _found("bunuh kafir") == [("bunuh kafir", "block", "bunuh kafir")]
    assert _found("bangsaaat") == [("bangsat", "censor", "bangsaaat")]


def test_words_without_affixes_match_only_whole() -> None:
    words = [WatchedWord(word="slot", action="flag", category="judi", affixes=False)]
    assert find_watched("slotnya", words) == []
    assert len(find_watched("slot", words)) == 1
    assert find_watched("slotted", [WatchedWord(word="slot", action="flag", category="judi")]) == []


def test_custom_list_and_strongest_overlap_wins() -> None:
    words = [
        WatchedWord(word="gacor", action="flag", category="judi"),
        WatchedWord(word="situs gacor", action="block", category="judi"),
    ]
    [match] = find_watched("cek situs gacor", words)
    assert (match.word.word, match.start, match.end) == ("situs gacor", 4, 15)


def test_censor_keeps_first_letter_and_layout() -> None:
    assert censor("dasar bangsat!", [(6, 13)]) == "dasar b******!"
    assert censor("j u d i", [(0, 7)]) == "j * * *"
    masked = censor("bangsat", [(0, 7)])
    assert find_watched(masked, seed_words()) == []


def test_a_watched_word_needs_letters() -> None:
    with pytest.raises(ValidationError):
        WatchedWord(word="--", action="block", category="judi")
