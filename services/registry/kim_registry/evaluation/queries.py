"""Read models: activity and dormancy reports, score sheets, ranked results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg

from kim_registry.access import ensure_staff_sees, may_edit_kim
from kim_registry.evaluation import repository as repo
from kim_registry.evaluation.domain import Result, ranks
from kim_registry.evaluation.dormancy import active_since, dormancy
from kim_registry.evaluation.handlers import criteria_of, period_kim, visible_period
from kim_registry.evaluation.schemas import (
    ActivityReport,
    KimActivity,
    KimActivityDetail,
    PublicEvaluation,
    PublicEvaluations,
    ResultRow,
    Results,
    ScoreSheet,
    period_from_row,
)
from kim_registry.groups.repository import get_rules
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Conflict, NotFound


def _kim_activity(row: asyncpg.Record, dormant_after_days: int, now: datetime) -> KimActivity:
    since = active_since(row["activated_at"], row["founded_on"], row["created_at"])
    d = dormancy(
        status=row["status"],
        last_activity_at=row["last_activity_at"],
        since=since,
        dormant_after_days=dormant_after_days,
        now=now,
    )
    return KimActivity(
        kim_id=row["id"],
        name=row["name"],
        village_code=row["village_code"],
        status=row["status"],
        active_since=since,
        last_activity_at=row["last_activity_at"],
        idle_days=d.idle_days,
        dormant_suggested=d.dormant_suggested,
        recent=dict(sorted(row["recent"].items())),
    )


async def activity_report(
    conn: Connection,
    principal: Principal,
    kabupaten_code: str,
    window_days: int,
    dormant_only: bool,
) -> ActivityReport:
    ensure_staff_sees(principal, kabupaten_code, "kabupaten")
    now = datetime.now(UTC)
    days = (await get_rules(conn, kabupaten_code)).dormant_after_days
    rows = await repo.activity_report(
        conn, since=now - timedelta(days=window_days), kabupaten_code=kabupaten_code
    )
    kim = [_kim_activity(r, days, now) for r in rows]
    return ActivityReport(
        kabupaten_code=kabupaten_code,
        dormant_after_days=days,
        window_days=window_days,
        as_of=now,
        kim=[k for k in kim if k.dormant_suggested] if dormant_only else kim,
    )


async def kim_activity(
    conn: Connection, principal: Principal, kim_id: UUID, window_days: int
) -> KimActivityDetail:
    """Staff of the KIM's region, or its own pengelola; anyone else gets 404."""
    now = datetime.now(UTC)
    rows = await repo.activity_report(conn, since=now - timedelta(days=window_days), kim_id=kim_id)
    row = rows[0] if rows else None
    if row is None or not may_edit_kim(principal, str(kim_id), row["village_code"]):
        raise NotFound(f"KIM {kim_id} was not found.")
    days = (await get_rules(conn, row["kabupaten_code"])).dormant_after_days
    summary = _kim_activity(row, days, now)
    return KimActivityDetail(
        **summary.model_dump(),
        kabupaten_code=row["kabupaten_code"],
        dormant_after_days=days,
        window_days=window_days,
        as_of=now,
    )


async def score_sheet(
    conn: Connection, principal: Principal, period_id: UUID, kim_id: UUID
) -> ScoreSheet:
    period = await visible_period(conn, principal, period_id)
    await period_kim(conn, period, kim_id)
    return await sheet(conn, period, kim_id)


async def sheet(conn: Connection, period: asyncpg.Record, kim_id: UUID) -> ScoreSheet:
    """The jury's sheet of ``kim_id`` in ``period`` (both already checked by the caller)."""
    period_id: UUID = period["id"]
    version = await repo.sheet_version(conn, period_id, kim_id)
    rows = await repo.sheet_scores(conn, period_id, kim_id)
    scores = {r["criterion"]: float(r["score"]) for r in rows}
    jury = [c.key for c in criteria_of(period) if c.source == "jury"]
    return ScoreSheet(
        period_id=period_id,
        kim_id=kim_id,
        version=version,
        scores=scores,
        notes={r["criterion"]: r["note"] for r in rows if r["note"] is not None},
        jury_missing=[k for k in jury if k not in scores],
    )


def result_rows(results: Sequence[tuple[UUID, str, str, Result]]) -> list[ResultRow]:
    """Rows ranked best first from (kim id, name, village code, result) sorted by score."""
    rank = ranks([r.score for *_, r in results])
    return [
        ResultRow(
            rank=n,
            kim_id=kim_id,
            name=name,
            village_code=village_code,
            score=r.score,
            band=r.band,
            breakdown=r.breakdown,
            metrics=r.metrics,
            jury_missing=list(r.jury_missing),
        )
        for n, (kim_id, name, village_code, r) in zip(rank, results, strict=True)
    ]


async def results(conn: Connection, principal: Principal, period_id: UUID) -> Results:
    period = await visible_period(conn, principal, period_id)
    if period["status"] != "finalized":
        raise Conflict(
            f"Evaluation period {period_id} is not finalized yet; results exist only after "
            f"POST /evaluation-periods/{period_id}/finalize.",
            slug="period-open",
        )
    rows = await repo.period_results(conn, period_id)
    stored = [
        (
            r["kim_id"],
            r["name"],
            r["village_code"],
            Result(
                score=float(r["score"]),
                band=r["band"],
                breakdown=r["breakdown"],
                metrics=r["metrics"],
                jury_missing=tuple(r["jury_missing"]),
            ),
        )
        for r in rows
    ]
    return Results(period=period_from_row(period), results=result_rows(stored))


async def public_evaluations(conn: Connection, kim_id: UUID) -> PublicEvaluations:
    """Finalized scores and bands of a KIM (public, like lomba results)."""
    if await repo.kim_ref(conn, kim_id) is None:
        raise NotFound(f"KIM {kim_id} was not found.")
    rows = await repo.kim_evaluations(conn, kim_id)
    return PublicEvaluations(
        kim_id=kim_id,
        evaluations=[
            PublicEvaluation(
                period_id=r["period_id"],
                period_name=r["period_name"],
                starts_on=r["starts_on"],
                ends_on=r["ends_on"],
                score=float(r["score"]),
                band=r["band"],
            )
            for r in rows
        ],
    )
