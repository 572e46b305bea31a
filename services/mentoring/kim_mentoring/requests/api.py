"""HTTP routes of help requests: open, list, read, reassign, resolve, cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_mentoring import access
from kim_mentoring.requests import handlers, queries
from kim_mentoring.requests.domain import Status
from kim_mentoring.requests.queries import HelpRequestPage, Order, RequestFilter
from kim_mentoring.requests.schemas import Assignment, HelpRequestView, NewHelpRequest, Resolution
from kim_mentoring.requests.views import request_view
from kim_shared.clock import today
from kim_shared.events.types.mentoring import Skill, Urgency
from kim_shared.http.command import command
from kim_shared.http.concurrency import etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["help requests"])

_KABUPATEN = r"^[0-9]{2}\.[0-9]{2}$"
_SUBJECT = r"^[A-Za-z0-9._@:-]+$"


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "/help-requests", status_code=201, response_model=HelpRequestView, summary="Ask for help"
)
async def open_help_request(
    request: Request,
    body: NewHelpRequest,
    principal: access.KimPerson,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """A current officer or member of an aktif KIM; assigned at once when an expert has room."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            row = await handlers.open_request(cmd.conn, source, principal, body, _now())
        else:
            row = await handlers.load(cmd.conn, UUID(cmd.existing))
        return cmd.created(
            row.id,
            request_view(row).model_dump(mode="json"),
            headers={"Location": f"/help-requests/{row.id}", "ETag": etag(row.version)},
        )


@router.get(
    "/help-requests",
    response_model=HelpRequestPage,
    summary="Help requests the caller may see, a page at a time",
)
async def list_help_requests(
    principal: access.Anyone,
    pool: Pool,
    status: Status | None = None,
    skill: Skill | None = None,
    urgency: Urgency | None = None,
    kim_id: UUID | None = None,
    expert: Annotated[str | None, Query(min_length=1, max_length=255, pattern=_SUBJECT)] = None,
    kabupaten: Annotated[str | None, Query(pattern=_KABUPATEN)] = None,
    order: Annotated[
        Order, Query(description="`sla`: soonest SLA deadline first; `opened`: newest first.")
    ] = "sla",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
    ] = None,
) -> HelpRequestPage:
    """Officers and members see their aktif KIM's requests, experts those assigned to them,
    operators their kabupaten's (a token with several roles, all of these). Filters narrow
    that set: one outside it (another kabupaten or KIM) selects nothing. A cursor is valid
    only with the same ``order``."""
    flt = RequestFilter(status, skill, kim_id, expert, kabupaten, urgency)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        scope = await queries.scope_of(conn, principal, today())
        return await queries.page(conn, scope, flt, order=order, cursor=cursor, limit=limit)


@router.get(
    "/help-requests/{request_id:uuid}", response_model=HelpRequestView, summary="One request"
)
async def get_help_request(request_id: UUID, principal: access.Anyone, pool: Pool) -> Response:
    """The KIM, its assigned expert and operators of its kabupaten."""
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        row = await handlers.load(conn, request_id)
        await handlers.ensure_reads(conn, principal, row)
        return with_etag(request_view(row), row.version)


@router.post(
    "/help-requests/{request_id:uuid}/assign",
    response_model=HelpRequestView,
    summary="Give a request to an expert",
)
async def assign_help_request(
    request_id: UUID, body: Assignment, principal: access.Operator, pool: Pool, source: Source
) -> Response:
    """Operators of the request's kabupaten (others: 404)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await handlers.reassign(conn, source, principal, request_id, body, _now())
        return with_etag(request_view(row), row.version)


@router.post(
    "/help-requests/{request_id:uuid}/done",
    response_model=HelpRequestView,
    summary="Close a request with its outcome and rating",
)
async def resolve_help_request(
    request_id: UUID, body: Resolution, principal: access.KimPerson, pool: Pool, source: Source
) -> Response:
    """The KIM, once a session was scheduled."""
    async with pool.acquire() as conn, conn.transaction():
        row = await handlers.resolve(conn, source, principal, request_id, body, _now())
        return with_etag(request_view(row), row.version)


@router.post(
    "/help-requests/{request_id:uuid}/cancel",
    response_model=HelpRequestView,
    summary="Cancel a request",
)
async def cancel_help_request(request_id: UUID, principal: access.Anyone, pool: Pool) -> Response:
    """The KIM or an operator of its kabupaten."""
    async with pool.acquire() as conn, conn.transaction():
        row = await handlers.cancel(conn, principal, request_id, _now())
        return with_etag(request_view(row), row.version)
