"""Idempotent, batched import of Kemendagri regions.

One transaction per import: imports take a transaction-scoped advisory lock,
so two at once (HTTP and CLI) run one after the other instead of racing on
the same rows; then the source rows are ``COPY``-ed into a temporary
table, one ``INSERT … ON CONFLICT DO UPDATE … WHERE <something changed>``
upserts them and returns only the rows that were new or changed, regions of
the scope missing from the source are marked inactive, and one
``RegionChanged`` snapshot per changed row is staged with a single ``COPY``
into the outbox. Re-importing unchanged data writes and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from kim_registry.access import kabupaten_of, sql_in_region
from kim_registry.regions.domain import COLUMNS, SCOPE_ALL, RegionRow, source_rows
from kim_shared.db import Connection
from kim_shared.events.base import Event
from kim_shared.events.types.registry import RegionChanged
from kim_shared.outbox import EventSource, add_many

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('kim_registry.regions.import', 0))"

_UPSERT = """
INSERT INTO regions (code, parent_code, level, type, name, search_name, postal_code, active)
SELECT code, parent_code, level, type, name, search_name, postal_code, true
FROM incoming_regions
ON CONFLICT (code) DO UPDATE SET
    parent_code = EXCLUDED.parent_code,
    level = EXCLUDED.level,
    type = EXCLUDED.type,
    name = EXCLUDED.name,
    search_name = EXCLUDED.search_name,
    postal_code = EXCLUDED.postal_code,
    active = true,
    updated_at = now()
WHERE (regions.parent_code, regions.level, regions.type, regions.name, regions.postal_code,
       regions.active)
      IS DISTINCT FROM
      (EXCLUDED.parent_code, EXCLUDED.level, EXCLUDED.type, EXCLUDED.name, EXCLUDED.postal_code,
       true)
RETURNING code, parent_code, level, type, name, postal_code, active, (xmax = 0) AS inserted
"""

_RETIRE = f"""
UPDATE regions SET active = false, updated_at = now()
WHERE active
  AND ($1::text IS NULL OR {sql_in_region("code", "$1")})
  AND NOT EXISTS (SELECT 1 FROM incoming_regions i WHERE i.code = regions.code)
RETURNING code, parent_code, level, type, name, postal_code, active, false AS inserted
"""


@dataclass(frozen=True)
class ImportResult:
    scope: str
    total: int
    inserted: int
    updated: int
    retired: int

    @property
    def unchanged(self) -> int:
        return self.total - self.inserted - self.updated

    @property
    def events(self) -> int:
        return self.inserted + self.updated + self.retired


def region_event(row: asyncpg.Record | Mapping[str, Any]) -> RegionChanged:
    """The snapshot of one ``regions`` row (as returned by the upsert)."""
    return RegionChanged(
        code=row["code"],
        parent_code=row["parent_code"],
        level=row["level"],
        type=row["type"],
        name=row["name"],
        postal_code=row["postal_code"],
        active=row["active"],
    )


def event_tenant(event: Event) -> str | None:
    """The CloudEvents ``kabupaten`` extension: the region's kabupaten (none for a provinsi)."""
    assert isinstance(event, RegionChanged)
    return kabupaten_of(event.code) if event.level >= 2 else None


async def import_rows(
    conn: Connection, scope: str, rows: list[RegionRow], source: EventSource
) -> ImportResult:
    """Upsert ``rows`` (the whole of ``scope``) inside the caller's transaction."""
    await conn.execute(_LOCK)
    await conn.execute(
        "CREATE TEMP TABLE incoming_regions"
        " (LIKE regions INCLUDING DEFAULTS EXCLUDING CONSTRAINTS) ON COMMIT DROP"
    )
    await conn.copy_records_to_table(
        "incoming_regions", records=[r.as_record() for r in rows], columns=COLUMNS
    )
    changed = await conn.fetch(_UPSERT)
    # Only the scope's own subtree can be retired; its ancestors are shared with other scopes.
    retired = await conn.fetch(_RETIRE, None if scope == SCOPE_ALL else scope)
    events = [region_event(r) for r in [*changed, *retired]]
    await add_many(conn, events, source, kabupaten=event_tenant)
    inserted = sum(1 for r in changed if r["inserted"])
    return ImportResult(
        scope=scope,
        total=len(rows),
        inserted=inserted,
        updated=len(changed) - inserted,
        retired=len(retired),
    )


async def import_regions(pool: asyncpg.Pool, scope: str, source: EventSource) -> ImportResult:
    """Import ``scope`` (``all`` or a provinsi, kabupaten/kota or kecamatan code) atomically."""
    rows = source_rows(scope)
    async with pool.acquire() as conn, conn.transaction():
        return await import_rows(conn, scope.strip(), rows, source)
