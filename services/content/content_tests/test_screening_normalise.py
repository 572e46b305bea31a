"""Normalisation keeps the original offsets while folding the tricks."""

from __future__ import annotations

import pytest

from kim_content.screening.normalise import collapse, fold_word, normalise, tokenize


def _texts(text: str) -> list[tuple[str, str]]:
    return [(t.text, text[t.start : t.end]) for t in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "folded", "original"),
    [
        ("j u d i", "judi", "j u d i"),
        ("s.l.o.t", "slot", "s.l.o.t"),
        ("j-u-d-i", "judi", "j-u-d-i"),
        ("J . U . D . I", "judi", "J . U . D . I"),
        ("jud1", "judi", "jud1"),
        ("$l0t", "slot", "$l0t"),
        ("g4c0r", "gacor", "g4c0r"),
        ("\uff2a\uff55\uff44\uff49", "judi", "\uff2a\uff55\uff44\uff49"),
        ("jüdi", "judi", "jüdi"),
        ("ju\u200bdi", "judi", "ju\u200bdi"),
    ],
)
def test_tricks_fold_to_the_word_with_original_offsets(
    text: str, folded: str, original: str
) -> None:
    tokens = tokenize("Ayo " + text + " sekarang")
    assert (tokens[1].text, ("Ayo " + text + " sekarang")[tokens[1].start : tokens[1].end]) == (
        folded,
        original,
    )


def test_repeated_letters_collapse() -> None:
    assert collapse("juuudiii") == "judi"
    assert fold_word("JUUUDIII") == "judi"


def test_normal_words_are_not_joined() -> None:
    assert _texts("Kegiatan kerja bakti di Desa Sukorejo") == [
        ("kegiatan", "Kegiatan"),
        ("kerja", "kerja"),
        ("bakti", "bakti"),
        ("di", "di"),
        ("desa", "Desa"),
        ("sukorejo", "Sukorejo"),
    ]


def test_two_single_letters_stay_apart_and_line_breaks_split() -> None:
    assert [t.text for t in tokenize("a b")] == ["a", "b"]
    assert [t.text for t in tokenize("j u\nd i")] == ["j", "u", "d", "i"]


def test_numbers_without_letters_are_not_leet() -> None:
    assert [t.text for t in tokenize("tahun 2024")] == ["tahun", "2024"]


def test_offsets_survive_characters_that_expand() -> None:
    text = "Stra\u00dfe \ufb01nal judi"
    norm = normalise(text)
    assert "strasse" in norm.text
    judi = tokenize(text)[-1]
    assert text[judi.start : judi.end] == "judi"
