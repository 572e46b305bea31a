"""SQL of the activity projection, dormancy reports and evaluations (asyncpg)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg

from kim_registry.access import sql_in_region
from kim_registry.evaluation.domain import ActivityFact, Result
from kim_shared.db import Connection

# --- KIM and regions (read-only here) -----------------------------------------------------


async def kim_ref(conn: Connection, kim_id: UUID) -> asyncpg.Record | None:
    """The KIM's id, name, village, kabupaten and status; None when unknown."""
    return await conn.fetchrow(
        "SELECT id, name, village_code, kabupaten_code, status FROM kim WHERE id = $1", kim_id
    )


async def existing_kim(conn: Connection, kim_ids: Collection[UUID]) -> set[UUID]:
    """Those of ``kim_ids`` that name a KIM of the registry."""
    rows = await conn.fetch("SELECT id FROM kim WHERE id = ANY($1::uuid[])", list(kim_ids))
    return {r["id"] for r in rows}


async def region_level(conn: Connection, code: str) -> int | None:
    level: int | None = await conn.fetchval(
        "SELECT level FROM regions WHERE code = $1 AND active", code
    )
    return level


# --- activity projection ------------------------------------------------------------------


_RECORD_ACTIVITIES = """
INSERT INTO kim_activity (kim_id, kind, source_id, occurred_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[])
ON CONFLICT (kind, source_id, kim_id) DO NOTHING
"""


async def record_activities(conn: Connection, facts: Sequence[ActivityFact]) -> None:
    """Store facts, leaving those already there (replays, republished facts) as they are.

    Rows go in key order, so two batches that share facts (two partitions, concurrently)
    take their row locks in the same order and never deadlock each other.
    """
    rows = sorted(facts, key=lambda f: (f.kind, f.source_id, f.kim_id))
    await conn.execute(
        _RECORD_ACTIVITIES,
        [f.kim_id for f in rows],
        [f.kind for f in rows],
        [f.source_id for f in rows],
        [f.occurred_at for f in rows],
    )


_ACTIVITY_REPORT = """
SELECT k.id, k.name, k.village_code, k.kabupaten_code, k.status, k.founded_on, k.created_at,
       h.activated_at, a.last_activity_at, coalesce(a.recent, '{}'::jsonb) AS recent
FROM kim k
LEFT JOIN LATERAL (
    SELECT max(changed_at) AS activated_at
    FROM kim_status_history
    WHERE kim_id = k.id AND to_status = 'aktif'
) h ON true
LEFT JOIN LATERAL (
    SELECT max(last_at) FILTER (WHERE kind <> 'article_rejected') AS last_activity_at,
           jsonb_object_agg(kind, recent) FILTER (WHERE recent > 0) AS recent
    FROM (
        SELECT kind, max(occurred_at) AS last_at,
               count(*) FILTER (WHERE occurred_at >= $2) AS recent
        FROM kim_activity
        WHERE kim_id = k.id
        GROUP BY kind
    ) per_kind
) a ON true
WHERE __WHERE__
ORDER BY k.village_code, k.name, k.id
"""


async def activity_report(
    conn: Connection,
    *,
    since: datetime,
    kabupaten_code: str | None = None,
    kim_id: UUID | None = None,
) -> list[asyncpg.Record]:
    """Per KIM (not dissolved): activation, last activity and per-kind counts since ``since``."""
    if kim_id is not None:
        sql = _ACTIVITY_REPORT.replace("__WHERE__", "k.id = $1")
        return list(await conn.fetch(sql, kim_id, since))
    sql = _ACTIVITY_REPORT.replace(
        "__WHERE__", "k.kabupaten_code = $1 AND k.status <> 'dibubarkan'"
    )
    return list(await conn.fetch(sql, kabupaten_code, since))


async def activity_counts(
    conn: Connection, kim_ids: Sequence[UUID], start: datetime, end: datetime
) -> dict[UUID, dict[str, int]]:
    """Facts per KIM and kind with ``start <= occurred_at < end``."""
    rows = await conn.fetch(
        """
        SELECT kim_id, kind, count(*) AS n
        FROM kim_activity
        WHERE kim_id = ANY($1::uuid[]) AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY kim_id, kind
        """,
        list(kim_ids),
        start,
        end,
    )
    out: dict[UUID, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["kim_id"], {})[r["kind"]] = r["n"]
    return out


# --- evaluation periods --------------------------------------------------------------------

_PERIOD_COLUMNS = """id, kabupaten_code, name, starts_on, ends_on, criteria, bands, status,
    version, created_by, created_at, finalized_at"""


async def insert_period(
    conn: Connection,
    *,
    period_id: UUID,
    kabupaten_code: str,
    name: str,
    starts_on: date,
    ends_on: date,
    criteria: list[dict[str, Any]],
    bands: list[dict[str, Any]],
    created_by: str,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""
        INSERT INTO evaluation_periods
            (id, kabupaten_code, name, starts_on, ends_on, criteria, bands, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_PERIOD_COLUMNS}
        """,
        period_id,
        kabupaten_code,
        name,
        starts_on,
        ends_on,
        criteria,
        bands,
        created_by,
    )
    assert row is not None
    return row


Lock = Literal["", "UPDATE", "SHARE"]


async def get_period(
    conn: Connection, period_id: UUID, *, lock: Lock = ""
) -> asyncpg.Record | None:
    """The period; ``lock`` takes a row lock (finalize: UPDATE, jury scores: SHARE)."""
    suffix = f" FOR {lock}" if lock else ""
    return await conn.fetchrow(
        f"SELECT {_PERIOD_COLUMNS} FROM evaluation_periods WHERE id = $1{suffix}", period_id
    )


async def list_periods(conn: Connection, region_prefix: str) -> list[asyncpg.Record]:
    """Periods of the kabupaten ``region_prefix`` or of every kabupaten below a province."""
    return list(
        await conn.fetch(
            f"""
            SELECT {_PERIOD_COLUMNS} FROM evaluation_periods
            WHERE {sql_in_region("kabupaten_code", "$1")}
            ORDER BY starts_on DESC, created_at DESC
            """,
            region_prefix,
        )
    )


async def mark_finalized(
    conn: Connection, period_id: UUID, by: str, ends_on: date
) -> asyncpg.Record:
    """Finalize the period; ``ends_on`` is its end date or, closed early, the day it closed."""
    row = await conn.fetchrow(
        f"""
        UPDATE evaluation_periods
        SET status = 'finalized', finalized_at = now(), finalized_by = $2, ends_on = $3,
            version = version + 1
        WHERE id = $1
        RETURNING {_PERIOD_COLUMNS}
        """,
        period_id,
        by,
        ends_on,
    )
    assert row is not None
    return row


# --- jury score sheets ---------------------------------------------------------------------


async def sheet_version(
    conn: Connection, period_id: UUID, kim_id: UUID, *, for_update: bool = False
) -> int:
    """The sheet's version; 0 when the jury has not scored the KIM yet."""
    lock = " FOR UPDATE" if for_update else ""
    version: int | None = await conn.fetchval(
        f"SELECT version FROM jury_sheets WHERE period_id = $1 AND kim_id = $2{lock}",
        period_id,
        kim_id,
    )
    return version or 0


async def sheet_scores(conn: Connection, period_id: UUID, kim_id: UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT criterion, score, note, scored_by, scored_at FROM jury_scores
            WHERE period_id = $1 AND kim_id = $2
            ORDER BY criterion
            """,
            period_id,
            kim_id,
        )
    )


async def save_sheet(
    conn: Connection,
    period_id: UUID,
    kim_id: UUID,
    scores: dict[str, float],
    notes: dict[str, str],
    by: str,
    *,
    based_on: int,
) -> int | None:
    """Replace the KIM's jury scores for the period if the sheet is still at version
    ``based_on`` (0: no sheet yet); returns the new version, or None when another request
    saved the sheet meanwhile (also when both were the first: the second insert waits for
    the first to commit and then finds version 1)."""
    version: int | None = await conn.fetchval(
        """
        INSERT INTO jury_sheets (period_id, kim_id, updated_by) VALUES ($1, $2, $3)
        ON CONFLICT (period_id, kim_id) DO UPDATE
        SET version = jury_sheets.version + 1, updated_by = EXCLUDED.updated_by, updated_at = now()
        WHERE jury_sheets.version = $4
        RETURNING version
        """,
        period_id,
        kim_id,
        by,
        based_on,
    )
    if version is None:
        return None
    await conn.execute(
        "DELETE FROM jury_scores WHERE period_id = $1 AND kim_id = $2", period_id, kim_id
    )
    await conn.executemany(
        """
        INSERT INTO jury_scores (period_id, kim_id, criterion, score, note, scored_by)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        [(period_id, kim_id, k, v, notes.get(k), by) for k, v in scores.items()],
    )
    return version


async def period_jury_scores(conn: Connection, period_id: UUID) -> dict[UUID, dict[str, float]]:
    rows = await conn.fetch(
        "SELECT kim_id, criterion, score FROM jury_scores WHERE period_id = $1", period_id
    )
    out: dict[UUID, dict[str, float]] = {}
    for r in rows:
        out.setdefault(r["kim_id"], {})[r["criterion"]] = float(r["score"])
    return out


# --- evaluations ---------------------------------------------------------------------------


async def aktif_kim(conn: Connection, kabupaten_code: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT id, name, village_code FROM kim
            WHERE kabupaten_code = $1 AND status = 'aktif'
            ORDER BY id
            FOR SHARE
            """,
            kabupaten_code,
        )
    )


async def insert_evaluations(
    conn: Connection, period_id: UUID, results: Sequence[tuple[UUID, Result]]
) -> None:
    await conn.copy_records_to_table(
        "evaluations",
        records=[
            (
                period_id,
                kim_id,
                r.score,
                r.band,
                r.breakdown,
                r.metrics,
                list(r.jury_missing),
            )
            for kim_id, r in results
        ],
        columns=["period_id", "kim_id", "score", "band", "breakdown", "metrics", "jury_missing"],
    )


async def period_results(conn: Connection, period_id: UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT e.kim_id, k.name, k.village_code, e.score, e.band, e.breakdown, e.metrics,
                   e.jury_missing
            FROM evaluations e JOIN kim k ON k.id = e.kim_id
            WHERE e.period_id = $1
            ORDER BY e.score DESC, k.name, e.kim_id
            """,
            period_id,
        )
    )


async def kim_evaluations(conn: Connection, kim_id: UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT p.id AS period_id, p.name AS period_name, p.starts_on, p.ends_on,
                   e.score, e.band
            FROM evaluations e JOIN evaluation_periods p ON p.id = e.period_id
            WHERE e.kim_id = $1 AND p.status = 'finalized'
            ORDER BY p.ends_on DESC, p.id
            """,
            kim_id,
        )
    )
