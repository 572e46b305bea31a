"""SQL for help requests. Functions take the caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from kim_mentoring.requests.domain import Status
from kim_shared.db import Connection, from_record
from kim_shared.events.types.mentoring import HelpMode, Origin, ProactiveRule, Skill, Urgency


@dataclass(frozen=True, slots=True)
class HelpRequestRow:
    id: UUID
    kim_id: UUID
    kabupaten_code: str
    skill: Skill
    description: str
    mode: HelpMode
    urgency: Urgency
    status: Status
    expert_subject: str | None
    opened_by: str
    opened_at: datetime
    sla_due_at: datetime
    assigned_at: datetime | None
    outcome: str | None
    rating: int | None
    closed_at: datetime | None
    version: int
    origin: Origin
    rule: ProactiveRule | None


_COLUMNS: Final = (
    "id, kim_id, kabupaten_code, skill, description, mode, urgency, status, expert_subject,"
    " opened_by, opened_at, sla_due_at, assigned_at, outcome, rating, closed_at, version,"
    " origin, rule"
)
_GET: Final = f"SELECT {_COLUMNS} FROM help_requests WHERE id = $1"
_LOCK: Final = _GET + " FOR UPDATE"
_INSERT: Final = (
    "INSERT INTO help_requests (id, kim_id, kabupaten_code, skill, description, mode, urgency,"
    " status, opened_by, opened_at, sla_due_at, origin, rule)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, 'requested', $8, $9, $10, $11, $12)"
    f" RETURNING {_COLUMNS}"
)
# Candidates are locked in a fixed order so that concurrent assignments count each other.
_LOCK_CANDIDATES: Final = (
    "SELECT subject FROM experts WHERE active AND kabupaten_code = $1 AND $2 = ANY(skills)"
    " ORDER BY subject FOR UPDATE"
)
_PICK: Final = """
SELECT e.subject
FROM experts e
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE r.assigned_at >= $3 AND r.status <> 'cancelled') AS this_week,
           count(*) FILTER (WHERE r.status IN ('assigned', 'scheduled')) AS open
    FROM help_requests r WHERE r.expert_subject = e.subject
) AS load
WHERE e.active AND e.kabupaten_code = $1 AND $2 = ANY(e.skills)
  AND e.weekly_capacity - load.this_week > 0
ORDER BY e.weekly_capacity - load.this_week DESC, load.open, e.subject
LIMIT 1
"""
_ASSIGN: Final = (
    "UPDATE help_requests SET status = 'assigned', expert_subject = $2, assigned_at = $3,"
    " version = version + 1 WHERE id = $1 AND status IN ('requested', 'assigned')"
    f" RETURNING {_COLUMNS}"
)
_SET_STATUS: Final = (
    "UPDATE help_requests SET status = $3, version = version + 1"
    f" WHERE id = $1 AND status = $2 RETURNING {_COLUMNS}"
)
_RESOLVE: Final = (
    "UPDATE help_requests SET status = 'done', outcome = $2, rating = $3, closed_at = $4,"
    f" version = version + 1 WHERE id = $1 AND status = 'scheduled' RETURNING {_COLUMNS}"
)
_CANCEL: Final = (
    "UPDATE help_requests SET status = 'cancelled', closed_at = $2, version = version + 1"
    " WHERE id = $1 AND status IN ('requested', 'assigned', 'scheduled')"
    f" RETURNING {_COLUMNS}"
)


async def get(conn: Connection, request_id: UUID, *, lock: bool = False) -> HelpRequestRow | None:
    r = await conn.fetchrow(_LOCK if lock else _GET, request_id)
    return from_record(HelpRequestRow, r) if r is not None else None


async def insert(
    conn: Connection,
    *,
    request_id: UUID,
    kim_id: UUID,
    kabupaten_code: str,
    skill: Skill,
    description: str,
    mode: HelpMode,
    urgency: Urgency,
    opened_by: str,
    opened_at: datetime,
    sla_due_at: datetime,
    origin: Origin = "member",
    rule: ProactiveRule | None = None,
) -> HelpRequestRow:
    r = await conn.fetchrow(
        _INSERT,
        request_id,
        kim_id,
        kabupaten_code,
        skill,
        description,
        mode,
        urgency,
        opened_by,
        opened_at,
        sla_due_at,
        origin,
        rule,
    )
    assert r is not None
    return from_record(HelpRequestRow, r)


async def pick_expert(
    conn: Connection, kabupaten_code: str, skill: Skill, week_start: datetime
) -> str | None:
    """The active expert of the kabupaten with the skill and the most free capacity this
    week (ties: fewest open requests, then subject), or ``None`` when none has room."""
    await conn.fetch(_LOCK_CANDIDATES, kabupaten_code, skill)
    subject: str | None = await conn.fetchval(_PICK, kabupaten_code, skill, week_start)
    return subject


async def assign(
    conn: Connection, request_id: UUID, expert: str, now: datetime
) -> HelpRequestRow | None:
    r = await conn.fetchrow(_ASSIGN, request_id, expert, now)
    return from_record(HelpRequestRow, r) if r is not None else None


async def set_status(
    conn: Connection, request_id: UUID, *, old: Status, new: Status
) -> HelpRequestRow | None:
    r = await conn.fetchrow(_SET_STATUS, request_id, old, new)
    return from_record(HelpRequestRow, r) if r is not None else None


async def resolve(
    conn: Connection, request_id: UUID, *, outcome: str, rating: int, now: datetime
) -> HelpRequestRow | None:
    r = await conn.fetchrow(_RESOLVE, request_id, outcome, rating, now)
    return from_record(HelpRequestRow, r) if r is not None else None


async def cancel(conn: Connection, request_id: UUID, now: datetime) -> HelpRequestRow | None:
    r = await conn.fetchrow(_CANCEL, request_id, now)
    return from_record(HelpRequestRow, r) if r is not None else None
