"""Indonesian text for PostgreSQL full-text search.

Used by content (articles) and marketplace (the catalogue). The database indexes
pre-stemmed text with the ``simple`` configuration (PostgreSQL has no Indonesian
stemmer), so documents and queries go through the same Sastrawi stemming:
``to_tsvector('simple', stem_document(title, body))`` when indexing and
``websearch_to_tsquery('simple', stem_query(q))`` when searching.

The Sastrawi stemmer (its dictionary takes a moment to load) is built on first use and
every distinct word is stemmed once per process (bounded LRU cache).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Protocol, cast

from Sastrawi.Dictionary.ArrayDictionary import (  # type: ignore[import-untyped]
    ArrayDictionary,
)
from Sastrawi.Stemmer.Stemmer import Stemmer  # type: ignore[import-untyped]
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # type: ignore[import-untyped]

MAX_QUERY_TERMS = 32
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class _Stem(Protocol):
    def stem(self, text: str) -> str: ...


@lru_cache(maxsize=1)
def _stemmer() -> _Stem:
    # The plain Stemmer: Sastrawi's CachedStemmer keeps every word forever; stem_word's
    # LRU cache is bounded instead.
    words = StemmerFactory().get_words()
    return cast(_Stem, Stemmer(ArrayDictionary(words)))


@lru_cache(maxsize=65536)
def stem_word(word: str) -> str:
    """One word's root ("perjudian" → "judi"): lower-case, accents removed,
    reduplication folded; always one token (no spaces), never empty for a word."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c)
    )
    # Sastrawi keeps only [a-z0-9-]: whatever else remains would split the word.
    return "".join(_stemmer().stem(folded).split()) or folded


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits, hyphenated words kept whole)."""
    return _WORD.findall(text)


def stem_document(*parts: str) -> str:
    """Every word of every part stemmed, separated by single spaces."""
    return " ".join(stem_word(w) for part in parts for w in words(part))


def stem_query(q: str) -> str:
    """A reader's query made safe for ``websearch_to_tsquery('simple', …)``.

    Words are stemmed like documents; ``"quoted phrases"`` and ``-exclusions`` (of words
    or phrases) and ``or`` between terms are kept; everything else (``& | ! : * ( ) <->``
    and other punctuation a user might type or inject) is dropped. At most
    ``MAX_QUERY_TERMS`` terms are kept. The result contains only stems, spaces,
    double quotes and leading ``-``; it may be empty (search for nothing).
    """
    terms: list[str] = []
    for match in _QUERY_PART.finditer(q):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            stems = [stem_word(w) for w in words(phrase)]
            if len(stems) == 1:
                terms.append(f"{negated}{stems[0]}")
            elif stems:
                terms.append(f'{negated}"{" ".join(stems)}"')
            continue
        if bare.casefold() == "or":
            if terms and terms[-1] != "or":
                terms.append("or")
            continue
        negated = "-" if bare.startswith("-") else ""
        stems = [stem_word(w) for w in words(bare)]
        if negated and len(stems) > 1:
            terms.append(f'-"{" ".join(stems)}"')
        else:
            terms.extend(f"{negated}{s}" if i == 0 else s for i, s in enumerate(stems))
        if len(terms) >= MAX_QUERY_TERMS:
            break
    terms = terms[:MAX_QUERY_TERMS]
    while terms and terms[-1] == "or":
        terms.pop()
    if terms and terms[0] == "or":
        terms.pop(0)
    return " ".join(terms)


def _has_syntax(q: str) -> bool:
    return '"' in q or any(part.startswith("-") for part in q.split())


def any_word_query(q: str) -> str:
    """The plain words of ``q`` stemmed and joined by ``or``, for ranking (an item with more
    of the words ranks higher); empty when ``q`` uses phrases or exclusions."""
    if _has_syntax(q):
        return ""
    stems = [stem_word(w) for w in words(q)][:MAX_QUERY_TERMS]
    return " or ".join(dict.fromkeys(stems))


def name_query(q: str, max_length: int) -> str:
    """``q`` in lower case with single spaces, for trigram similarity with names or titles
    (misspellings); empty when ``q`` uses phrases or exclusions (they must hold exactly)."""
    if _has_syntax(q):
        return ""
    return " ".join(q.casefold().split())[:max_length]
