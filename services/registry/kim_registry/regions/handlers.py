"""Region queries and the import command: one async function each, explicit parameters.

Reads take a connection; :func:`import_scope` runs inside the transaction the
route opens (with the ``Idempotency-Key`` bookkeeping), so the upsert, the
retirements and their outbox events commit together or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

import asyncpg

from kim_registry.access import STAFF_ROLES
from kim_registry.regions import repository
from kim_registry.regions.domain import (
    MATCH_RANKS,
    MAX_LEVEL,
    SCOPE_ALL,
    InvalidCode,
    RegionRow,
    UnknownScope,
    ancestor_codes,
    check_code,
    child_code_length,
    path_of,
    search_key,
    source_rows,
    validate_scope,
)
from kim_registry.regions.importer import import_rows
from kim_registry.regions.schemas import (
    Children,
    ChildSummary,
    ImportSummary,
    Region,
    RegionCounts,
    RegionItem,
    RegionRef,
    RegionSummary,
    SearchHit,
    SearchResults,
)
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Forbidden, Invalid, NotFound
from kim_shared.outbox import EventSource

# --- reads ----------------------------------------------------------------------------


def _valid_code(code: str, field: str = "path.code") -> str:
    try:
        return check_code(code)
    except InvalidCode as exc:
        raise Invalid(str(exc), field=field) from None


async def _existing(conn: Connection, code: str) -> asyncpg.Record:
    row = await repository.get_region(conn, _valid_code(code))
    if row is None:
        raise NotFound(f"Region {code} was not found.")
    return row


def _ref(row: asyncpg.Record) -> RegionRef:
    return RegionRef(code=row["code"], name=row["name"], level=row["level"], type=row["type"])


def _item(row: asyncpg.Record) -> RegionItem:
    return RegionItem.model_validate(dict(row))


async def _ancestors(conn: Connection, codes: Iterable[str]) -> dict[str, asyncpg.Record]:
    """The ancestors of every code in ``codes``, by code (one query)."""
    wanted = sorted({a for code in codes for a in ancestor_codes(code)})
    return {r["code"]: r for r in await repository.get_regions(conn, wanted)}


def _path(row: asyncpg.Record, ancestors: Mapping[str, asyncpg.Record]) -> str:
    names = [row["name"]]
    names += [ancestors[a]["name"] for a in reversed(ancestor_codes(row["code"])) if a in ancestors]
    return path_of(names)


async def get_region(conn: Connection, code: str) -> Region:
    """One region (also a retired one) with its ancestors; 422 bad code, 404 unknown."""
    row = await _existing(conn, code)
    ancestors = await _ancestors(conn, [row["code"]])
    return Region(
        **dict(row),
        path=_path(row, ancestors),
        ancestors=[_ref(ancestors[a]) for a in ancestor_codes(row["code"]) if a in ancestors],
    )


async def list_children(conn: Connection, code: str) -> Children:
    """The active direct children of ``code``, by code."""
    parent = await _existing(conn, code)
    rows = await repository.list_children(conn, parent["code"])
    return Children(parent=_ref(parent), items=[_item(r) for r in rows])


async def search_regions(
    conn: Connection, q: str | None, *, level: int | None, within: str | None, limit: int
) -> SearchResults:
    """Active regions by name (case- and accent-insensitive), best match first."""
    key = None
    if q is not None:
        key = search_key(q)
        if not key:
            raise Invalid(
                "The search text q must contain at least one letter or digit.", field="query.q"
            )
    if within is not None:
        within = _valid_code(within, "query.within")
        if await repository.get_region(conn, within) is None:
            raise Invalid(f"within={within}: no region has this code.", field="query.within")
    rows = await repository.search(conn, key, level=level, within=within, limit=limit)
    ancestors = await _ancestors(conn, [r["code"] for r in rows])
    hits = [
        SearchHit(
            **{k: v for k, v in r.items() if k != "rank"},
            path=_path(r, ancestors),
            match=MATCH_RANKS[r["rank"]] if r["rank"] is not None else None,
        )
        for r in rows
    ]
    return SearchResults(query=key, items=hits)


def _counts(by_type: Mapping[str, int]) -> RegionCounts:
    fields = {t: n for t, n in by_type.items() if t in RegionCounts.model_fields}
    villages = sum(by_type.get(t, 0) for t in ("desa", "kelurahan", "desa_adat"))
    return RegionCounts(**fields, villages=villages)


async def summarize(conn: Connection, code: str) -> RegionSummary:
    """Counts of the active regions inside ``code``, in total and per direct child
    (a desa/kelurahan has nothing inside: zeros, no children)."""
    region = await _existing(conn, code)
    level = region["level"]
    if level == MAX_LEVEL:
        return RegionSummary(**_ref(region).model_dump(), totals=RegionCounts(), children=[])
    children = await repository.list_children(conn, region["code"])
    rows = await repository.descendant_counts(
        conn, region["code"], level, child_code_length(region["code"])
    )
    totals: dict[str, int] = {}
    per_child: dict[str, dict[str, int]] = {c["code"]: {} for c in children}
    for r in rows:
        totals[r["type"]] = totals.get(r["type"], 0) + r["n"]
        if not r["is_child"] and r["child"] in per_child:
            counts = per_child[r["child"]]
            counts[r["type"]] = counts.get(r["type"], 0) + r["n"]
    return RegionSummary(
        **_ref(region).model_dump(),
        totals=_counts(totals),
        children=[
            ChildSummary(**_ref(c).model_dump(), counts=_counts(per_child[c["code"]]))
            for c in children
        ],
    )


# --- import ---------------------------------------------------------------------------


def authorize_import(principal: Principal, scope: str) -> str:
    """The validated scope the staff ``principal`` may import over HTTP.

    * ``all`` → 403: all of Indonesia (91,599 regions) is imported with the operator
      CLI only (``kim regions import --scope all``), whatever the caller's role.
    * malformed, a desa/kelurahan, not in the Kemendagri data, or not inside the
      caller's region scope (another tenant's region, or a region wider than the
      caller's own) → 422, the same answer for each: the scope names a region the
      caller cannot import.
    """
    scope = scope.strip()
    if scope == SCOPE_ALL:
        raise Forbidden(
            "Importing all of Indonesia ('all') is not available over HTTP: run the operator "
            "CLI on the registry's host instead: kim regions import --scope all",
            slug="import-all-cli-only",
        )
    try:
        scope = validate_scope(scope)
    except UnknownScope as exc:
        raise Invalid(f"The import {exc}.", field="body.scope") from None
    if not principal.acts_in(scope, *STAFF_ROLES):
        raise Invalid(
            f"Region {scope} is not inside your region scope ({principal.region_scope}): you "
            "may import only regions inside it.",
            slug="import-outside-scope",
            field="body.scope",
        )
    return scope


async def load_source(scope: str) -> list[RegionRow]:
    """The scope's rows from ``lokal`` (CPU-bound: off the event loop)."""
    return await asyncio.to_thread(source_rows, scope)


async def import_scope(
    conn: Connection, scope: str, rows: list[RegionRow], source: EventSource
) -> ImportSummary:
    """Upsert the scope's ``rows`` and stage their events, inside the caller's transaction."""
    result = await import_rows(conn, scope, rows, source)
    return ImportSummary.model_validate(result, from_attributes=True)
