"""Questions a service asks its region projection (reads only, on the caller's connection).

The projection holds what the registry published; a region not (yet) projected is
answered like an unknown one (``None``). Names of a village's kecamatan and kabupaten are
``None`` while their own records have not arrived (records of different regions come in
any order).
"""

from __future__ import annotations

from dataclasses import dataclass

from kim_shared.db import Connection, from_record
from kim_shared.projections.regions.rows import SELECT, Region

VILLAGE_LEVEL = 4

_REGION = SELECT + " WHERE code = $1"

# Kemendagri codes are hierarchical (35.02.01.2001 lies in 35.02.01 in 35.02): the
# kecamatan and kabupaten codes come from the code itself, their names from their rows.
_VILLAGE = """
SELECT v.code, v.name, v.type, v.active, v.postal_code,
       a.kecamatan_code, kc.name AS kecamatan_name, a.kabupaten_code, kb.name AS kabupaten_name
FROM region_projection v
CROSS JOIN LATERAL (
    SELECT split_part(v.code, '.', 1) || '.' || split_part(v.code, '.', 2) AS kabupaten_code,
           split_part(v.code, '.', 1) || '.' || split_part(v.code, '.', 2) || '.'
               || split_part(v.code, '.', 3) AS kecamatan_code
) AS a
LEFT JOIN region_projection kc ON kc.code = a.kecamatan_code
LEFT JOIN region_projection kb ON kb.code = a.kabupaten_code
WHERE v.code = $1 AND v.level = 4
"""


@dataclass(frozen=True, slots=True)
class Village:
    """A desa or kelurahan (level 4) with its kecamatan and kabupaten/kota."""

    code: str
    name: str
    type: str
    active: bool
    postal_code: str | None
    kecamatan_code: str
    kecamatan_name: str | None
    kabupaten_code: str
    kabupaten_name: str | None


async def region(conn: Connection, code: str) -> Region | None:
    """The region ``code`` (any level, retired ones too), or ``None``."""
    r = await conn.fetchrow(_REGION, code)
    return from_record(Region, r) if r is not None else None


async def village(conn: Connection, code: str) -> Village | None:
    """The desa/kelurahan ``code`` (retired ones too, ``active=False``), or ``None`` when
    ``code`` is not a projected village."""
    r = await conn.fetchrow(_VILLAGE, code)
    return from_record(Village, r) if r is not None else None


async def active_village(conn: Connection, code: str) -> Village | None:
    """The village ``code`` if it is an active desa or kelurahan, else ``None`` (what a
    service checks before accepting a village in a request)."""
    found = await village(conn, code)
    return found if found is not None and found.active else None
