"""SQL of coverage and targets.

Each coverage answer is ONE statement returning one row of ``jsonb`` columns:
the region, its children, per-kecamatan counts (or, for a kecamatan, its
villages with their KIM) and the targets that may apply. Subtrees are selected
with :func:`~kim_registry.access.sql_below` (byte-wise ranges that use the
``text_pattern_ops`` indexes even in a generic prepared plan).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from kim_registry.access import sql_below, sql_in_region
from kim_registry.coverage.domain import Count, Target
from kim_registry.regions.domain import ancestor_codes
from kim_shared.db import Connection

_TARGETS = f"""
(SELECT coalesce(jsonb_agg(jsonb_build_object(
            'id', t.id, 'region_code', t.region_code, 'label', t.label, 'due_on', t.due_on,
            'villages_target', t.villages_target, 'per_kecamatan', t.per_kecamatan,
            'created_at', t.created_at)
        ORDER BY t.region_code, t.due_on, t.created_at), '[]'::jsonb)
 FROM targets t
 WHERE t.region_code = ANY ($2::text[])
    OR {sql_below("t.region_code", "$1")}) AS targets
"""

_REGION = """
(SELECT jsonb_build_object('code', code, 'name', name, 'type', type, 'level', level)
 FROM regions WHERE code = $1 AND active) AS region
"""

AREA_COVERAGE = f"""
WITH kec AS (
    SELECT code FROM regions
    WHERE level = 3 AND active AND {sql_below("code", "$1")}
), covered AS (
    SELECT DISTINCT village_code FROM kim
    WHERE status = 'aktif' AND {sql_below("village_code", "$1")}
), vil AS (
    SELECT left(r.code, 8) AS kecamatan_code,
           count(*) AS villages,
           count(*) FILTER (WHERE r.type = 'kelurahan') AS kelurahan,
           count(c.village_code) AS covered
    FROM regions r LEFT JOIN covered c ON c.village_code = r.code
    WHERE r.level = 4 AND r.active AND {sql_below("r.code", "$1")}
    GROUP BY 1
)
SELECT {_REGION},
       (SELECT coalesce(jsonb_agg(jsonb_build_array(code, name, type) ORDER BY code), '[]'::jsonb)
        FROM regions WHERE parent_code = $1 AND active) AS children,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(
                   kec.code, coalesce(vil.villages, 0), coalesce(vil.kelurahan, 0),
                   coalesce(vil.covered, 0)) ORDER BY kec.code), '[]'::jsonb)
        FROM kec LEFT JOIN vil ON vil.kecamatan_code = kec.code) AS kecamatan,
       {_TARGETS}
"""

VILLAGE_COVERAGE = f"""
SELECT {_REGION},
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'code', r.code, 'name', r.name, 'type', r.type,
                   'kim', coalesce(k.kim, '[]'::jsonb)) ORDER BY r.code), '[]'::jsonb)
        FROM regions r
        LEFT JOIN LATERAL (
            SELECT jsonb_agg(jsonb_build_object('id', id, 'name', name, 'status', status)
                             ORDER BY status <> 'aktif', name, id) AS kim
            FROM kim WHERE village_code = r.code AND status <> 'dibubarkan'
        ) k ON true
        WHERE r.level = 4 AND r.active AND {sql_below("r.code", "$1")})
       AS villages,
       {_TARGETS}
"""


def target_from_json(obj: dict[str, Any]) -> Target:
    return Target(
        id=UUID(obj["id"]),
        region_code=obj["region_code"],
        label=obj["label"],
        due_on=date.fromisoformat(obj["due_on"]),
        villages_target=obj["villages_target"],
        per_kecamatan=obj["per_kecamatan"],
        created_at=datetime.fromisoformat(obj["created_at"]),
    )


def counts_from_json(rows: list[list[Any]]) -> list[Count]:
    return [Count(code=c, villages=v, kelurahan=k, covered=n) for c, v, k, n in rows]


async def area_coverage(conn: Connection, code: str) -> asyncpg.Record:
    """For a provinsi or kabupaten/kota: region, children, kecamatan counts, targets."""
    row = await conn.fetchrow(AREA_COVERAGE, code, [code, *ancestor_codes(code)])
    assert row is not None
    return row


async def village_coverage(conn: Connection, code: str) -> asyncpg.Record:
    """Every desa/kelurahan below ``code`` with its KIM (not dissolved); region, targets."""
    row = await conn.fetchrow(VILLAGE_COVERAGE, code, [code, *ancestor_codes(code)])
    assert row is not None
    return row


# --- targets -------------------------------------------------------------------------------


async def region_villages(conn: Connection, code: str) -> asyncpg.Record | None:
    """Level, name and number of active villages of an active region; None when unknown."""
    return await conn.fetchrow(
        f"""
        SELECT r.level, r.name, r.type,
               (SELECT count(*) FROM regions v
                WHERE v.level = 4 AND v.active AND {sql_in_region("v.code", "r.code")}) AS villages
        FROM regions r WHERE r.code = $1 AND r.active
        """,
        code,
    )


_TARGET_COLUMNS = "id, region_code, label, due_on, villages_target, per_kecamatan, created_at"


async def insert_target(
    conn: Connection,
    *,
    target_id: UUID,
    region_code: str,
    label: str,
    due_on: date,
    villages_target: int | None,
    per_kecamatan: bool,
    created_by: str,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""
        INSERT INTO targets
            (id, region_code, label, due_on, villages_target, per_kecamatan, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {_TARGET_COLUMNS}
        """,
        target_id,
        region_code,
        label,
        due_on,
        villages_target,
        per_kecamatan,
        created_by,
    )
    assert row is not None
    return row


async def list_targets(conn: Connection, code: str) -> list[asyncpg.Record]:
    """Targets on ``code`` and below, and per-kecamatan targets of the areas containing it."""
    return list(
        await conn.fetch(
            f"""
            SELECT {_TARGET_COLUMNS} FROM targets
            WHERE {sql_in_region("region_code", "$1")}
               OR (per_kecamatan AND region_code = ANY ($2::text[]))
            ORDER BY region_code, due_on, created_at
            """,
            code,
            ancestor_codes(code),
        )
    )
