"""Commands on sessions: schedule one for an assigned request.

The expert's row is locked while checking for overlapping sessions, so two concurrent
schedulings for one expert are serialised and the second finds the first (409).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from kim_mentoring import access
from kim_mentoring.experts import repository as experts
from kim_mentoring.requests import repository as requests
from kim_mentoring.requests.domain import ensure_transition
from kim_mentoring.scheduling.calendar import CLOSES, OPENS, holiday_name
from kim_shared.auth import Principal
from kim_shared.clock import WIB
from kim_shared.db import Connection, from_record
from kim_shared.errors import Conflict, Invalid, NotFound

_OVERLAP: Final = (
    "SELECT 1 FROM help_sessions WHERE expert_subject = $1"
    " AND tstzrange(starts_at, ends_at) && tstzrange($2, $3) LIMIT 1"
)
_INSERT: Final = (
    "INSERT INTO help_sessions (id, request_id, expert_subject, starts_at, ends_at, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
    " RETURNING id, request_id, expert_subject, starts_at, ends_at, created_at"
)


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: UUID
    request_id: UUID
    expert_subject: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


def check_slot(starts_at: datetime, duration_minutes: int) -> datetime:
    """The end of a session on one working day within WIB office hours (422 otherwise)."""
    if starts_at.tzinfo is None:
        raise Invalid("The start needs a timezone offset.", field="body.starts_at")
    start = starts_at.astimezone(WIB)
    end = start + timedelta(minutes=duration_minutes)
    day = start.date()
    if day.weekday() >= 5:
        raise Invalid(
            f"{day.isoformat()} is a weekend: sessions are held on working days only.",
            field="body.starts_at",
            slug="not-a-working-day",
        )
    holiday = holiday_name(day)
    if holiday is not None:
        raise Invalid(
            f"{day.isoformat()} is a holiday ({holiday}): sessions are held on working days only.",
            field="body.starts_at",
            slug="not-a-working-day",
        )
    opens = datetime.combine(day, OPENS, WIB)
    closes = datetime.combine(day, CLOSES, WIB)
    if start < opens or end > closes:
        raise Invalid(
            "Sessions are held within office hours, 08:00-16:00 WIB.",
            field="body.starts_at",
            slug="outside-office-hours",
        )
    return end


async def schedule(
    conn: Connection,
    principal: Principal,
    request_id: UUID,
    *,
    starts_at: datetime,
    duration_minutes: int,
    now: datetime,
) -> SessionRow:
    """The assigned expert or an operator of the request's kabupaten schedules a session."""
    row = await requests.get(conn, request_id, lock=True)
    if row is None or not (
        access.operates(principal, row.kabupaten_code)
        or access.is_expert(principal, row.expert_subject)
    ):
        raise NotFound(access.REQUEST_NOT_FOUND)
    ensure_transition("schedule", row.status)
    ends_at = check_slot(starts_at, duration_minutes)
    assert row.expert_subject is not None
    await experts.get(conn, row.expert_subject, lock=True)
    if await conn.fetchval(_OVERLAP, row.expert_subject, starts_at, ends_at) is not None:
        raise Conflict("The expert already has a session at that time.", slug="double-booked")
    r = await conn.fetchrow(
        _INSERT, uuid.uuid4(), row.id, row.expert_subject, starts_at, ends_at, now
    )
    assert r is not None
    if row.status == "assigned":
        await requests.set_status(conn, row.id, old="assigned", new="scheduled")
    return from_record(SessionRow, r)
