"""Watched words (Discourse's model): block, review, flag or censor, matched on
normalised tokens and phrases, with Indonesian affixes where it matters.

A token matches a watched word when its folded form equals the word's folded form
(``jud1``, ``juuudi``, ``j u d i`` → ``judi``) or, for words with ``affixes=True``,
when stripping common Indonesian affixes or the Sastrawi stemmer yields it
(``berjudi``, ``perjudian``, ``judinya``, ``pinjolnya``); phrases match their words
as written (``kebakaran gereja`` is not ``bakar gereja``). Stems are only computed
for tokens that contain a watched root, so clean text never reaches the stemmer.
``judul`` is not ``judi``, ``pinjaman`` is not ``pinjol``: only whole affixes are
stripped. Phrases match consecutive tokens, and also written as one word
(``slotgacor``); spelled-out tokens are searched for any watched word inside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .model import Action, action_rank
from .normalise import collapse, fold_phrase, squeeze, tokenize

Category = Literal["judi", "pinjol", "sara", "kasar", "hoaks", "lainnya"]

_PREFIXES = (
    "",
    "ber",
    "be",
    "per",
    "pe",
    "pen",
    "pem",
    "peng",
    "me",
    "mem",
    "men",
    "meng",
    "di",
    "ke",
    "ter",
    "se",
    "diper",
    "memper",
)
_SUFFIXES = ("", "nya", "an", "kan", "i", "lah", "kah", "mu", "ku", "in")
_MIN_ROOT = 3


class WatchedWord(BaseModel):
    """One watched word or phrase with its action and category."""

    model_config = ConfigDict(frozen=True)

    word: str = Field(min_length=2, max_length=100)
    action: Action
    category: Category
    #: Also match affixed forms (``berjudi``, ``perjudian``); off for short or ambiguous words.
    affixes: bool = True

    @field_validator("word")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        if not fold_phrase(value):
            raise ValueError("a watched word needs at least one letter or digit")
        return value.strip()


@dataclass(frozen=True, slots=True)
class WordMatch:
    """A watched word found in a text, at original offsets ``[start, end)``."""

    word: WatchedWord
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    word: WatchedWord
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Index:
    #: First key → entries starting with it (phrases by key, and phrases glued into one word).
    first: dict[str, tuple[_Entry, ...]]
    #: Roots worth stemming for (any watched single key).
    roots: re.Pattern[str] | None
    #: Any entry's glued form, searched inside spelled-out tokens.
    glued: re.Pattern[str] | None
    by_glued: dict[str, _Entry]


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    from Sastrawi.Stemmer.StemmerFactory import (  # type: ignore[import-untyped]
        StemmerFactory,
    )

    stem: Callable[[str], str] = StemmerFactory().create_stemmer().stem
    return stem


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return collapse(_stemmer()(squeeze(word)))


@lru_cache(maxsize=65536)
def _collapsed(word: str) -> str:
    return collapse(word)


def _alternation(keys: Sequence[str]) -> re.Pattern[str] | None:
    if not keys:
        return None
    return re.compile("|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True)))


@lru_cache(maxsize=64)
def _index(watched: tuple[WatchedWord, ...]) -> _Index:
    first: dict[str, list[_Entry]] = {}
    by_glued: dict[str, _Entry] = {}
    roots: list[str] = []
    for word in watched:
        keys = fold_phrase(word.word)
        if not keys:
            continue
        entry = _Entry(word, keys)
        first.setdefault(keys[0], []).append(entry)
        glued = "".join(keys)
        if len(keys) > 1:
            first.setdefault(glued, []).append(_Entry(word, (glued,)))
        if len(glued) >= _MIN_ROOT:
            by_glued.setdefault(glued, entry)
        if word.affixes and len(keys) == 1 and len(keys[0]) >= _MIN_ROOT:
            roots.append(keys[0])
    frozen = {k: tuple(sorted(v, key=lambda e: -len(e.keys))) for k, v in first.items()}
    return _Index(frozen, _alternation(roots), _alternation(list(by_glued)), by_glued)


def _affix_forms(key: str) -> set[str]:
    forms: set[str] = set()
    for p in _PREFIXES:
        if not key.startswith(p):
            continue
        for s in _SUFFIXES:
            if len(key) - len(p) - len(s) >= _MIN_ROOT and key.endswith(s):
                forms.add(key[len(p) : len(key) - len(s)])
    return forms


def _candidates(text: str, key: str, index: _Index) -> list[_Entry]:
    """Entries whose first key this token matches: exactly, or through its affixes."""
    found = list(index.first.get(key, ()))
    if index.roots is not None and index.roots.search(key) is not None:
        derived = _affix_forms(key) | {_stem(text)}
        derived.discard(key)
        for form in derived:
            found.extend(
                e for e in index.first.get(form, ()) if e.word.affixes and len(e.keys) == 1
            )
    return found


def find_watched(text: str, watched: Sequence[WatchedWord]) -> list[WordMatch]:
    """Every watched word in ``text``, strongest and longest first where they overlap,
    returned in reading order."""
    if not watched or not text:
        return []
    index = _index(tuple(watched))
    tokens = tokenize(text)
    keys = [_collapsed(t.text) for t in tokens]
    memo: dict[str, list[_Entry]] = {}
    found: list[WordMatch] = []
    for i, token in enumerate(tokens):
        entries = memo.get(token.text)
        if entries is None:
            entries = memo[token.text] = _candidates(token.text, keys[i], index)
        for entry in entries:
            last = i + len(entry.keys) - 1
            if last >= len(tokens) or any(
                keys[i + k] != entry.keys[k] for k in range(1, len(entry.keys))
            ):
                continue
            found.append(WordMatch(entry.word, token.start, tokens[last].end))
        if token.joined and index.glued is not None:
            for m in index.glued.finditer(keys[i]):
                if m.group() != keys[i]:
                    found.append(WordMatch(index.by_glued[m.group()].word, token.start, token.end))
    return _without_overlaps(found, len(text))


def _without_overlaps(found: list[WordMatch], length: int) -> list[WordMatch]:
    found.sort(key=lambda m: (-action_rank(m.word.action), -(m.end - m.start), m.start))
    taken = bytearray(length + 1)
    accepted: list[WordMatch] = []
    for m in found:
        if taken.find(1, m.start, m.end) != -1:
            continue
        taken[m.start : m.end] = b"\x01" * (m.end - m.start)
        accepted.append(m)
    accepted.sort(key=lambda m: m.start)
    return accepted


def censor(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span masked: the first letter kept, other letters and digits
    as ``*`` (``judi`` → ``j***``, ``j u d i`` → ``j * * *``)."""
    chars = list(text)
    for start, end in spans:
        first = True
        for i in range(start, end):
            if chars[i].isalnum() or chars[i] in "@$!|":
                if first:
                    first = False
                else:
                    chars[i] = "*"
    return "".join(chars)


def parse_watched(items: Sequence[Any]) -> tuple[WatchedWord, ...]:
    """Watched words from JSON-like data (a database row list, an admin upload)."""
    return tuple(WatchedWord.model_validate(item) for item in items)


@lru_cache(maxsize=1)
def seed_words() -> tuple[WatchedWord, ...]:
    """The seed lists (judi online, pinjol ilegal, SARA, kata kasar), read once."""
    raw = resources.files(__package__).joinpath("seed_words.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return parse_watched(
        [
            {"word": w, "action": group["action"], "category": group["category"], **extra}
            for group in data["groups"]
            for w, extra in (
                (w, {}) if isinstance(w, str) else (w["word"], w) for w in group["words"]
            )
        ]
    )
