"""Commands on help requests: open (with automatic assignment), reassign, resolve, cancel.

Each stages its events in the caller's transaction; no event carries the description, who
opened the request or the expert's login.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from kim_mentoring import access
from kim_mentoring.experts import repository as experts
from kim_mentoring.requests import repository as repo
from kim_mentoring.requests.domain import ensure_transition, sla_due, week_start
from kim_mentoring.requests.repository import HelpRequestRow
from kim_mentoring.requests.schemas import Assignment, NewHelpRequest, Resolution
from kim_shared import outbox
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound
from kim_shared.events.types.activity import HelpRequestResolved
from kim_shared.events.types.mentoring import (
    HelpMode,
    HelpRequestAssigned,
    HelpRequestOpened,
    Origin,
    ProactiveRule,
    Skill,
    Urgency,
)
from kim_shared.outbox import EventSource


async def load(conn: Connection, request_id: UUID, *, lock: bool = False) -> HelpRequestRow:
    found = await repo.get(conn, request_id, lock=lock)
    if found is None:
        raise NotFound(access.REQUEST_NOT_FOUND)
    return found


async def _assigned(
    conn: Connection, source: EventSource, row: HelpRequestRow, *, automatic: bool
) -> None:
    assert row.assigned_at is not None
    await outbox.add(
        conn,
        HelpRequestAssigned(
            request_id=row.id,
            kim_id=row.kim_id,
            kabupaten_code=row.kabupaten_code,
            skill=row.skill,
            automatic=automatic,
            assigned_at=row.assigned_at,
        ),
        source,
        kabupaten=row.kabupaten_code,
    )


async def open_request(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    body: NewHelpRequest,
    now: datetime,
) -> HelpRequestRow:
    """A current officer or member of an aktif KIM opens a request; it goes at once to the
    best expert with room this week, or stays ``requested``."""
    kim = await access.kim_served(conn, principal, body.kim_id)
    return await submit(
        conn,
        source,
        Submission(
            kim_id=kim.kim_id,
            kabupaten_code=kim.kabupaten_code,
            skill=body.skill,
            description=body.description,
            mode=body.mode,
            urgency=body.urgency,
            opened_by=principal.subject,
        ),
        now,
    )


@dataclass(frozen=True, slots=True)
class Submission:
    """A help request to open, from a KIM member or from a proactive rule (``rule``)."""

    kim_id: UUID
    kabupaten_code: str
    skill: Skill
    description: str
    mode: HelpMode
    urgency: Urgency
    opened_by: str
    rule: ProactiveRule | None = None


async def submit(
    conn: Connection, source: EventSource, request: Submission, now: datetime
) -> HelpRequestRow:
    """Open a request (access already checked): store it, stage ``HelpRequestOpened`` and
    assign it at once to the best expert with room this week, or leave it ``requested``.
    Member and system requests take this same path."""
    origin: Origin = "member" if request.rule is None else "system"
    row = await repo.insert(
        conn,
        request_id=uuid.uuid4(),
        kim_id=request.kim_id,
        kabupaten_code=request.kabupaten_code,
        skill=request.skill,
        description=request.description,
        mode=request.mode,
        urgency=request.urgency,
        opened_by=request.opened_by,
        opened_at=now,
        sla_due_at=sla_due(now, request.urgency),
        origin=origin,
        rule=request.rule,
    )
    await outbox.add(
        conn,
        HelpRequestOpened(
            request_id=row.id,
            kim_id=row.kim_id,
            kabupaten_code=row.kabupaten_code,
            skill=row.skill,
            mode=row.mode,
            urgency=row.urgency,
            sla_due_at=row.sla_due_at,
            opened_at=now,
            origin=row.origin,
            rule=row.rule,
        ),
        source,
        kabupaten=row.kabupaten_code,
    )
    expert = await repo.pick_expert(conn, row.kabupaten_code, row.skill, week_start(now))
    if expert is None:
        return row
    assigned = await repo.assign(conn, row.id, expert, now)
    assert assigned is not None
    await _assigned(conn, source, assigned, automatic=True)
    return assigned


async def ensure_reads(conn: Connection, principal: Principal, row: HelpRequestRow) -> None:
    if access.operates(principal, row.kabupaten_code) or access.is_expert(
        principal, row.expert_subject
    ):
        return
    try:
        await access.kim_served(conn, principal, row.kim_id)
    except NotFound:
        raise NotFound(access.REQUEST_NOT_FOUND) from None


async def reassign(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    request_id: UUID,
    body: Assignment,
    now: datetime,
) -> HelpRequestRow:
    """An operator of the request's kabupaten gives it to an active expert of that kabupaten
    with the skill."""
    row = await load(conn, request_id, lock=True)
    if not access.operates(principal, row.kabupaten_code):
        raise NotFound(access.REQUEST_NOT_FOUND)
    ensure_transition("assign", row.status)
    expert = await experts.get(conn, body.expert_subject, lock=True)
    if (
        expert is None
        or not expert.active
        or expert.kabupaten_code != row.kabupaten_code
        or row.skill not in expert.skills
    ):
        raise Invalid(
            "The expert must be an active expert of the request's kabupaten with its skill.",
            field="body.expert_subject",
        )
    assigned = await repo.assign(conn, row.id, expert.subject, now)
    assert assigned is not None
    await _assigned(conn, source, assigned, automatic=False)
    return assigned


async def resolve(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    request_id: UUID,
    body: Resolution,
    now: datetime,
) -> HelpRequestRow:
    """The KIM closes a scheduled request with the outcome and its rating."""
    row = await load(conn, request_id, lock=True)
    try:
        await access.kim_served(conn, principal, row.kim_id)
    except NotFound:
        raise NotFound(access.REQUEST_NOT_FOUND) from None
    ensure_transition("done", row.status)
    done = await repo.resolve(conn, row.id, outcome=body.outcome, rating=body.rating, now=now)
    assert done is not None
    await outbox.add(
        conn,
        HelpRequestResolved(request_id=done.id, kim_id=done.kim_id, resolved_at=now),
        source,
        kabupaten=done.kabupaten_code,
    )
    return done


async def cancel(
    conn: Connection, principal: Principal, request_id: UUID, now: datetime
) -> HelpRequestRow:
    """The KIM or an operator of its kabupaten cancels an open request."""
    row = await load(conn, request_id, lock=True)
    if not access.operates(principal, row.kabupaten_code):
        try:
            await access.kim_served(conn, principal, row.kim_id)
        except NotFound:
            raise NotFound(access.REQUEST_NOT_FOUND) from None
    ensure_transition("cancel", row.status)
    cancelled = await repo.cancel(conn, row.id, now)
    assert cancelled is not None
    return cancelled
