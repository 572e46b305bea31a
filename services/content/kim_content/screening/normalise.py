"""Indonesian text normalisation for matching, with a map back to the original offsets.

Steps: NFKC, diacritics and zero-width characters dropped, casefold; tokens of
letters and digits (plus ``@ $ ! |`` used as letters); leetspeak mapped inside
tokens that hold a letter (``jud1`` → ``judi``, ``$l0t`` → ``slot``); runs of
three or more single characters split by a short separator joined into one token
(``j u d i``, ``s.l.o.t``, ``j-u-d-i`` → ``judi``). Repeated letters are folded by
:func:`collapse` (``juuudiii`` → ``judi``) when words are compared, so token
texts keep their letters for the stemmer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "2": "z",
        "3": "e",
        "4": "a",
        "5": "s",
        "6": "g",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
    }
)
_TOKEN = re.compile(r"[^\W_]+(?:[@$!|]+[^\W_]+)*|[@$][^\W_]+(?:[@$!|]+[^\W_]+)*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_RUNS = re.compile(r"(.)\1+")
_LONG_RUNS = re.compile(r"(.)\1{2,}")
#: Between letters of a spelled-out word: at most three characters, no line break.
_SPELL_GAP = re.compile(r"[^\w\n]{1,3}")
_MIN_SPELLED = 3


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the normalised text. ``start``/``end`` are offsets in the ORIGINAL text."""

    text: str
    start: int
    end: int
    #: Built from single characters split by spaces or punctuation (``j u d i``).
    joined: bool = False


@dataclass(frozen=True, slots=True)
class Normalised:
    """The folded text and, for each of its characters, the original offset."""

    original: str
    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalised slice ``[start, end)``."""
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch))
    kept = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return unicodedata.normalize("NFKC", kept).casefold()


def normalise(text: str) -> Normalised:
    """NFKC + casefold, diacritics and zero-width characters removed, offsets kept."""
    if text.isascii():
        return Normalised(text, text.lower(), tuple(range(len(text))))
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.lower() if ch.isascii() else _fold_char(ch)
        chars.append(folded)
        offsets.extend([i] * len(folded))
    return Normalised(text, "".join(chars), tuple(offsets))


def deleet(word: str) -> str:
    """Leetspeak to letters, only in words that hold at least one letter (``2024`` stays)."""
    if _HAS_LETTER.search(word) is None:
        return word
    return word.translate(_LEET)


def collapse(word: str) -> str:
    """Every run of a repeated character folded to one: ``juuudiii`` → ``judi``."""
    return _RUNS.sub(r"\1", word)


def squeeze(word: str) -> str:
    """Runs of three or more folded to one, doubles kept (``saat``, ``tinggi``)."""
    return _LONG_RUNS.sub(r"\1", word)


def fold_word(word: str) -> str:
    """The comparison key of one word: normalised, de-leeted, collapsed."""
    return collapse(deleet(normalise(word).text))


def fold_phrase(phrase: str) -> tuple[str, ...]:
    """The comparison keys of a watched word or phrase, one per token."""
    return tuple(collapse(t.text) for t in tokenize(phrase))


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` with original offsets, spelled-out words joined."""
    norm = normalise(text)
    raw: list[Token] = []
    nstarts: list[int] = []
    nends: list[int] = []
    for m in _TOKEN.finditer(norm.text):
        start, end = norm.span(m.start(), m.end())
        raw.append(Token(deleet(m.group()), start, end))
        nstarts.append(m.start())
        nends.append(m.end())
    return _join_spelled(raw, nstarts, nends, norm.text)


def _join_spelled(
    raw: list[Token], nstarts: list[int], nends: list[int], ntext: str
) -> list[Token]:
    out: list[Token] = []
    i = 0
    n = len(raw)
    while i < n:
        j = i
        if len(raw[i].text) == 1:
            while (
                j + 1 < n
                and len(raw[j + 1].text) == 1
                and _SPELL_GAP.fullmatch(ntext, nends[j], nstarts[j + 1]) is not None
            ):
                j += 1
        if j - i + 1 >= _MIN_SPELLED:
            group = raw[i : j + 1]
            out.append(
                Token("".join(t.text for t in group), group[0].start, group[-1].end, joined=True)
            )
        else:
            out.extend(raw[i : j + 1])
        i = j + 1
    return out
