"""HTTP routes of moderation: the kabupaten's queue, claims and decisions, staff takedowns,
readers' reports and authors' appeals. Another kabupaten's case answers 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_content import access
from kim_content.articles import publication, steps
from kim_content.articles import repository as repo
from kim_content.articles.schemas import ArticleView, Takedown
from kim_content.articles.steps import Actor
from kim_content.articles.views import article_view, revision_view, screening_view
from kim_content.moderation import appeals, queue, reports
from kim_content.moderation.decisions import decide_case
from kim_content.moderation.queue import CaseRow, ClaimFilter, QueueFilter
from kim_content.moderation.schemas import (
    AppealCreate,
    AppealView,
    AuditEntry,
    CaseDecision,
    CaseDetail,
    CaseSummary,
    ReportCount,
    ReportCreate,
    ReportView,
)
from kim_content.settings import settings_of
from kim_shared.auth import Principal
from kim_shared.auth.deps import CurrentPrincipal
from kim_shared.auth.principal import OPERATOR_KABUPATEN
from kim_shared.db import Connection
from kim_shared.http.command import command
from kim_shared.http.concurrency import with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["moderation"])

_KABUPATEN = r"^\d{2}\.\d{2}$"


def _now() -> datetime:
    return datetime.now(UTC)


def _claim_ttl(request: Request) -> timedelta:
    return timedelta(minutes=settings_of(request).moderation_claim_minutes)


def _actor(principal: Principal, region: str) -> Actor:
    role = OPERATOR_KABUPATEN if principal.acts_in(region, OPERATOR_KABUPATEN) else "moderator"
    return Actor(principal.subject, role)


def _summary(case: CaseRow, now: datetime, ttl: timedelta) -> CaseSummary:
    holder = case.holder(now, ttl)
    return CaseSummary(
        id=case.id,
        subject_type=case.subject_type,
        subject_id=case.subject_id,
        revision=case.revision,
        kabupaten_code=case.kabupaten_code,
        kind=case.kind,
        urgent=case.urgent,
        status=case.status,
        title=case.title,
        deadline=case.deadline,
        overdue=case.status == "open" and case.deadline < now,
        claimed_by=holder,
        claimed_at=case.claimed_at if holder is not None else None,
        verdict=case.verdict,
        decision=case.decision,
        reason_code=case.reason_code,
        created_at=case.created_at,
        version=case.version,
    )


async def _staff_case(
    conn: Connection, principal: Principal, case_id: UUID, *, lock: bool = False
) -> CaseRow:
    case = await queue.get_case(conn, case_id, lock=lock)
    access.ensure_moderates(principal, case.kabupaten_code, what=queue.CASE_NOT_FOUND)
    return case


async def _detail(conn: Connection, case: CaseRow, now: datetime, ttl: timedelta) -> CaseDetail:
    summary = _summary(case, now, ttl)
    content = screening = appeal = None
    counts: list[ReportCount] = []
    if case.subject_type == "article":
        rev = await repo.get_revision(conn, case.subject_id, case.revision)
        content = revision_view(rev) if rev is not None else None
        found = await repo.latest_screening(conn, "article", case.subject_id)
        screening = screening_view(found) if found is not None else None
        if case.kind == "report":
            counts = [
                ReportCount(reason_code=c, reporters=n)
                for c, n in await reports.tally(conn, case.subject_id, case.id)
            ]
        if case.kind == "appeal":
            row = await appeals.by_case(conn, case.id)
            appeal = AppealView.model_validate(row, from_attributes=True) if row else None
    return CaseDetail(
        **summary.model_dump(),
        content=content,
        screening=screening,
        reports=counts,
        appeal=appeal,
    )


@router.get("/moderation/cases", response_model=list[CaseSummary], summary="A kabupaten's queue")
async def list_cases(
    request: Request,
    principal: access.Staff,
    pool: Pool,
    kabupaten: Annotated[str, Query(pattern=_KABUPATEN)],
    kind: Annotated[str | None, Query(pattern=r"^(submission|report|appeal)$")] = None,
    subject_type: Annotated[str | None, Query(pattern=r"^(article|listing)$")] = None,
    urgent: bool | None = None,
    claimed: ClaimFilter = "any",
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[CaseSummary]:
    """Open cases ordered by deadline, then age. Staff of another kabupaten see none."""
    if not access.moderates(principal, kabupaten):
        return []
    now, ttl = _now(), _claim_ttl(request)
    f = QueueFilter(kabupaten, kind, subject_type, urgent, claimed, overdue, limit)
    async with pool.acquire() as conn:
        rows = await queue.queue(conn, f, subject=principal.subject, now=now, ttl=ttl)
    return [_summary(r, now, ttl) for r in rows]


@router.get("/moderation/cases/{case_id:uuid}", response_model=CaseDetail, summary="One case")
async def get_case(
    request: Request, case_id: UUID, principal: access.Staff, pool: Pool
) -> CaseDetail:
    async with pool.acquire() as conn:
        case = await _staff_case(conn, principal, case_id)
        return await _detail(conn, case, _now(), _claim_ttl(request))


@router.post(
    "/moderation/cases/{case_id:uuid}/claim", response_model=CaseSummary, summary="Claim a case"
)
async def claim_case(
    request: Request, case_id: UUID, principal: access.Staff, pool: Pool
) -> CaseSummary:
    """Of two moderators claiming at once exactly one wins; the other gets 409."""
    now, ttl = _now(), _claim_ttl(request)
    async with pool.acquire() as conn, conn.transaction():
        case = await _staff_case(conn, principal, case_id)
        await queue.claim(conn, case, subject=principal.subject, now=now, ttl=ttl)
        return _summary(await queue.get_case(conn, case_id), now, ttl)


@router.post(
    "/moderation/cases/{case_id:uuid}/release",
    response_model=CaseSummary,
    summary="Release a claimed case",
)
async def release_case(
    request: Request, case_id: UUID, principal: access.Staff, pool: Pool
) -> CaseSummary:
    now, ttl = _now(), _claim_ttl(request)
    async with pool.acquire() as conn, conn.transaction():
        case = await _staff_case(conn, principal, case_id)
        await queue.release(conn, case, subject=principal.subject, now=now, ttl=ttl)
        return _summary(await queue.get_case(conn, case_id), now, ttl)


@router.post(
    "/moderation/cases/{case_id:uuid}/decision",
    response_model=CaseSummary,
    summary="Decide a claimed case",
)
async def decide(
    request: Request,
    case_id: UUID,
    body: CaseDecision,
    principal: access.Staff,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    now, ttl = _now(), _claim_ttl(request)
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.replay is not None:
            return cmd.replay
        case = await _staff_case(cmd.conn, principal, case_id, lock=True)
        actor = _actor(principal, case.kabupaten_code)
        await decide_case(cmd.conn, source, case, body, actor=actor, now=now, claim_ttl=ttl)
        decided = _summary(await queue.get_case(cmd.conn, case_id), now, ttl)
        return cmd.respond(200, decided.model_dump(mode="json"))


@router.get(
    "/moderation/cases/{case_id:uuid}/audit",
    response_model=list[AuditEntry],
    summary="Every step of a case",
)
async def case_audit(case_id: UUID, principal: access.Staff, pool: Pool) -> list[AuditEntry]:
    async with pool.acquire() as conn:
        case = await _staff_case(conn, principal, case_id)
        return [
            AuditEntry(action=a.action, actor=a.actor, detail=a.detail, at=a.at)
            for a in await queue.audit_log(conn, case.id)
        ]


async def _staff_article(conn: Connection, principal: Principal, article_id: UUID) -> None:
    article = await steps.load(conn, article_id)
    access.ensure_moderates(principal, article.village_code, what=access.ARTICLE_NOT_FOUND)


async def _article_response(conn: Connection, article: repo.ArticleRow) -> Response:
    rev = await steps.current_revision(conn, article)
    view = article_view(article, rev, await repo.latest_screening(conn, "article", article.id))
    return with_etag(view, article.version)


@router.post(
    "/articles/{article_id:uuid}/takedown",
    response_model=ArticleView,
    summary="Take a published article down (moderation staff)",
)
async def take_down(
    article_id: UUID, body: Takedown, principal: access.Staff, pool: Pool, source: Source
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        await _staff_article(conn, principal, article_id)
        article = await steps.load(conn, article_id)
        actor = _actor(principal, article.village_code)
        if article.status == "published":  # also closes an open report round as upheld
            await reports.uphold(
                conn,
                source,
                article_id,
                reason_code=body.reason_code,
                feedback=body.note,
                actor=actor,
                now=_now(),
            )
        else:  # 409: only a published article can be taken down
            await publication.take_down(
                conn, source, article_id, body.reason_code, body.note, actor=actor, now=_now()
            )
        return await _article_response(conn, await steps.load(conn, article_id))


@router.post(
    "/articles/{article_id:uuid}/restore",
    response_model=ArticleView,
    summary="Publish a taken-down article again (moderation staff)",
)
async def restore(
    article_id: UUID, principal: access.Staff, pool: Pool, source: Source
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        await _staff_article(conn, principal, article_id)
        article = await steps.load(conn, article_id)
        actor = _actor(principal, article.village_code)
        article = await publication.restore(conn, source, article_id, actor=actor, now=_now())
        return await _article_response(conn, article)


@router.post(
    "/public/articles/{article_id:uuid}/reports",
    response_model=ReportView,
    status_code=201,
    summary="Report a published article (any signed-in reader)",
)
async def report_article(
    request: Request,
    article_id: UUID,
    body: ReportCreate,
    principal: CurrentPrincipal,
    pool: Pool,
    source: Source,
) -> Response:
    """One report per reader and article (a repeat answers 200); enough distinct readers hide
    the article pending an urgent review."""
    threshold = settings_of(request).reports_to_hide
    async with pool.acquire() as conn, conn.transaction():
        done = await reports.report(
            conn,
            source,
            article_id,
            reporter=principal.subject,
            reason_code=body.reason_code,
            note=body.note,
            threshold=threshold,
            now=_now(),
        )
    view = ReportView(
        article_id=done.article_id,
        reason_code=done.reason_code,
        created_at=done.created_at,
        hidden=done.hidden,
    )
    return Response(
        view.model_dump_json(),
        status_code=201 if done.new else 200,
        media_type="application/json",
    )


@router.post(
    "/articles/{article_id:uuid}/appeal",
    response_model=AppealView,
    status_code=201,
    summary="Appeal a rejection, hiding or takedown (the author)",
)
async def appeal_article(
    request: Request,
    article_id: UUID,
    body: AppealCreate,
    principal: access.Writer,
    pool: Pool,
    key: IdempotencyKey = None,
) -> Response:
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            row = await appeals.appeal(
                cmd.conn, article_id, principal=principal, statement=body.statement, now=_now()
            )
        else:
            found = await appeals.by_id(cmd.conn, UUID(cmd.existing))
            assert found is not None
            row = found
        view = AppealView.model_validate(row, from_attributes=True)
        return cmd.created(row.id, view.model_dump(mode="json"))
