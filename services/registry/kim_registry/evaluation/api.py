"""HTTP routes: KIM activity and dormancy suggestions, evaluation periods, jury scores,
finalization and results.

Staff (``admin_provinsi`` in its province, ``operator_kabupaten`` in its kabupaten)
manage periods; another tenant's period or KIM answers 404. Finalized scores and
bands of a KIM are public, like announced lomba results.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_registry.access import KimEditor, Operator, ensure_staff_sees
from kim_registry.evaluation import handlers, queries
from kim_registry.evaluation import repository as repo
from kim_registry.evaluation.domain import DEFAULT_BANDS, DEFAULT_CRITERIA
from kim_registry.evaluation.schemas import (
    ActivityReport,
    BandOut,
    CriterionOut,
    FinalizeOutcome,
    KimActivityDetail,
    Period,
    PeriodCreate,
    PeriodList,
    PublicEvaluations,
    Results,
    ScoreSheet,
    ScoresPut,
    Template,
    period_from_row,
)
from kim_registry.regions.domain import level_of
from kim_shared.errors import Invalid
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchOptional, IfMatchRequired, etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter()

KabupatenParam = Annotated[
    str | None,
    Query(
        pattern=r"^\d{2}(\.\d{2})?$",
        description="Kabupaten/kota code (a province code lists every kabupaten for periods); "
        "default: the caller's own region.",
    ),
]
ActivityKabupaten = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{2}\.[0-9]{2}$",
        description="Kabupaten/kota code; default: the caller's own kabupaten.",
    ),
]
WindowDays = Annotated[
    int, Query(ge=1, le=3650, description="Days counted in `recent` (default 90).")
]


def _scope(principal_region: str | None, kabupaten: str | None) -> str:
    code = kabupaten or principal_region
    if code is None:
        raise Invalid("Name the kabupaten: ?kabupaten=35.02.")
    return code


# --- activity ---------------------------------------------------------------------------


_REGION_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "The kabupaten is unknown or outside the caller's region."}
}


@router.get(
    "/kim/activity", tags=["activity"], response_model=ActivityReport, responses=_REGION_NOT_FOUND
)
async def kabupaten_activity(
    pool: Pool,
    principal: Operator,
    kabupaten: ActivityKabupaten = None,
    window_days: WindowDays = 90,
    dormant: Annotated[bool, Query(description="Only KIM suggested dormant.")] = False,
) -> ActivityReport:
    """Per KIM of a kabupaten (not dissolved): last activity, recent counts per kind and
    whether it looks dormant (a suggestion: the status never changes by itself)."""
    code = _scope(principal.region_scope, kabupaten)
    if level_of(code) != 2:
        raise Invalid(f"{code} is not a kabupaten/kota code (like 35.02).")
    async with pool.acquire() as conn:
        return await queries.activity_report(conn, principal, code, window_days, dormant)


@router.get("/kim/{kim_id}/activity", tags=["activity"], response_model=KimActivityDetail)
async def kim_activity(
    pool: Pool, principal: KimEditor, kim_id: UUID, window_days: WindowDays = 90
) -> KimActivityDetail:
    async with pool.acquire() as conn:
        return await queries.kim_activity(conn, principal, kim_id, window_days)


@router.get("/kim/{kim_id}/evaluations", tags=["evaluation"], response_model=PublicEvaluations)
async def kim_evaluations(pool: Pool, kim_id: UUID) -> PublicEvaluations:
    """Public: the KIM's score and band in every finalized evaluation period."""
    async with pool.acquire() as conn:
        return await queries.public_evaluations(conn, kim_id)


# --- evaluation periods ------------------------------------------------------------------


@router.get("/evaluation-periods/template", tags=["evaluation"], response_model=Template)
async def default_template() -> Template:
    """The default criteria (lomba KIM: administrasi, media, ADINDA, UMKM) and bands."""
    return Template(
        criteria=[CriterionOut(**c.as_json()) for c in DEFAULT_CRITERIA],
        bands=[BandOut(**b.as_json()) for b in DEFAULT_BANDS],
    )


@router.post("/evaluation-periods", tags=["evaluation"], status_code=201, response_model=Period)
async def create_period(
    request: Request,
    pool: Pool,
    principal: Operator,
    body: PeriodCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Open a period for a kabupaten; without criteria/bands the default template applies."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            row = await handlers.create_period(cmd.conn, principal, body)
        else:
            row = await handlers.visible_period(cmd.conn, principal, UUID(cmd.existing))
        period = period_from_row(row)
        return cmd.created(
            period.id,
            period,
            headers={"Location": f"/evaluation-periods/{period.id}", "ETag": etag(period.version)},
        )


@router.get(
    "/evaluation-periods",
    tags=["evaluation"],
    response_model=PeriodList,
    responses=_REGION_NOT_FOUND,
)
async def list_periods(
    pool: Pool, principal: Operator, kabupaten: KabupatenParam = None
) -> PeriodList:
    code = _scope(principal.region_scope, kabupaten)
    ensure_staff_sees(principal, code, "region")
    async with pool.acquire() as conn:
        rows = await repo.list_periods(conn, code)
    return PeriodList(periods=[period_from_row(r) for r in rows])


@router.get("/evaluation-periods/{period_id}", tags=["evaluation"], response_model=Period)
async def get_period(
    pool: Pool, principal: Operator, period_id: UUID, response: Response
) -> Period:
    async with pool.acquire() as conn:
        period = period_from_row(await handlers.visible_period(conn, principal, period_id))
    response.headers["ETag"] = etag(period.version)
    return period


@router.get(
    "/evaluation-periods/{period_id}/kim/{kim_id}/scores",
    tags=["evaluation"],
    response_model=ScoreSheet,
)
async def get_scores(
    pool: Pool, principal: Operator, period_id: UUID, kim_id: UUID, response: Response
) -> ScoreSheet:
    """The jury's score sheet for a KIM (version 0 and ETag "0" before the first scores)."""
    async with pool.acquire() as conn:
        sheet = await queries.score_sheet(conn, principal, period_id, kim_id)
    response.headers["ETag"] = etag(sheet.version)
    return sheet


@router.put(
    "/evaluation-periods/{period_id}/kim/{kim_id}/scores",
    tags=["evaluation"],
    response_model=ScoreSheet,
)
async def put_scores(
    pool: Pool,
    principal: Operator,
    expected: IfMatchRequired,
    period_id: UUID,
    kim_id: UUID,
    body: ScoresPut,
    response: Response,
) -> ScoreSheet:
    """Replace the jury scores of a KIM (only while the period is open). ``If-Match`` is
    required: the sheet's ETag from GET, ``"0"`` for the first scores."""
    async with pool.acquire() as conn, conn.transaction():
        period = await handlers.put_scores(conn, principal, period_id, kim_id, body, expected)
        sheet = await queries.sheet(conn, period, kim_id)
    response.headers["ETag"] = etag(sheet.version)
    return sheet


@router.post(
    "/evaluation-periods/{period_id}/finalize",
    tags=["evaluation"],
    response_model=FinalizeOutcome,
)
async def finalize_period(
    request: Request,
    pool: Pool,
    source: Source,
    principal: Operator,
    expected: IfMatchOptional,
    period_id: UUID,
    key: IdempotencyKey = None,
    close_early: Annotated[
        bool,
        Query(
            description="Close a running period today (it then ends today and counts the "
            "activity recorded so far) instead of waiting for its last day."
        ),
    ] = False,
) -> Response:
    """Score every aktif KIM of the kabupaten (jury scores, missing ones as 0, and activity
    in the period), store the results and publish one ``kim.registry.evaluation.published.v1``
    per KIM, atomically. Only after the period ended, unless closed early; a second
    finalize is 409."""
    async with command(pool, request, principal, key, b"") as cmd:
        if cmd.replay is not None:
            return cmd.replay
        done = await handlers.finalize(
            cmd.conn, principal, period_id, expected, source, close_early=close_early
        )
        period = period_from_row(done.period)
        outcome = FinalizeOutcome(
            period=period,
            evaluated=len(done.results),
            results=queries.result_rows(
                [(k["id"], k["name"], k["village_code"], r) for k, r in done.results]
            ),
        )
        return cmd.respond(200, outcome, headers={"ETag": etag(period.version)})


@router.get(
    "/evaluation-periods/{period_id}/results",
    tags=["evaluation"],
    response_model=Results,
    responses={409: {"description": "The period is not finalized yet: no results so far."}},
)
async def period_results(pool: Pool, principal: Operator, period_id: UUID) -> Results:
    """Ranked results of a finalized period (ties share a rank)."""
    async with pool.acquire() as conn:
        return await queries.results(conn, principal, period_id)
