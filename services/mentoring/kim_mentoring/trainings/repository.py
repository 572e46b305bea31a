"""SQL for trainings, registrations and attendance. Functions take the caller's connection
and never open transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from uuid import UUID

from kim_mentoring.trainings.domain import RegistrationStatus, Skill, TrainingStatus
from kim_shared.db import Connection, from_record


@dataclass(frozen=True, slots=True)
class TrainingRow:
    id: UUID
    title: str
    skill: Skill
    level: str
    kabupaten_code: str
    venue: str | None
    online_url: str | None
    starts_on: date
    ends_on: date
    capacity: int
    waitlist: bool
    audience: str
    prerequisites: str | None
    required_days: int
    onboarding: bool
    status: TrainingStatus
    confirmed: int
    state_sequence: int
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    id: UUID
    training_id: UUID
    kim_id: UUID
    member_id: UUID
    subject: str
    participant_name: str
    status: RegistrationStatus
    promoted: bool
    registered_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    completed_at: datetime | None


_COLUMNS: Final = (
    "id, title, skill, level, kabupaten_code, venue, online_url, starts_on, ends_on, capacity,"
    " waitlist, audience, prerequisites, required_days, onboarding, status, confirmed,"
    " state_sequence,"
    " created_by, created_at, updated_at"
)
_REG_COLUMNS: Final = (
    "id, training_id, kim_id, member_id, subject, participant_name, status, promoted,"
    " registered_at, confirmed_at, cancelled_at, completed_at"
)
_GET: Final = f"SELECT {_COLUMNS} FROM trainings WHERE id = $1"
# Registration, cancellation and promotion hold this lock: one at a time per training.
_LOCK: Final = f"SELECT {_COLUMNS} FROM trainings WHERE id = $1 FOR UPDATE"
_LIST: Final = (
    f"SELECT {_COLUMNS} FROM trainings WHERE status <> 'cancelled'"
    " AND ($1::text IS NULL OR kabupaten_code = $1) AND ($2::text IS NULL OR skill = $2)"
    " ORDER BY starts_on, id LIMIT $3"
)
_INSERT: Final = (
    "INSERT INTO trainings (id, title, skill, level, kabupaten_code, venue, online_url,"
    " starts_on, ends_on, capacity, waitlist, audience, prerequisites, required_days,"
    " onboarding, created_by, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)"
    f" RETURNING {_COLUMNS}"
)
# The next scheduled training of a kabupaten starting after a day: an onboarding one, or one
# of a skill (what a proactive rule invites a KIM to or suggests).
_NEXT_ONBOARDING: Final = (
    f"SELECT {_COLUMNS} FROM trainings WHERE onboarding AND status = 'scheduled'"
    " AND kabupaten_code = $1 AND starts_on > $2 ORDER BY starts_on, id LIMIT 1"
)
_NEXT_OF_SKILL: Final = (
    f"SELECT {_COLUMNS} FROM trainings WHERE status = 'scheduled'"
    " AND kabupaten_code = $1 AND skill = $2 AND starts_on > $3 ORDER BY starts_on, id LIMIT 1"
)
_SEATS: Final = (
    "UPDATE trainings SET confirmed = confirmed + $2, updated_at = $3 WHERE id = $1"
    f" RETURNING {_COLUMNS}"
)
_NEXT_SEQUENCE: Final = (
    "UPDATE trainings SET state_sequence = state_sequence + 1 WHERE id = $1"
    " RETURNING state_sequence"
)
_GET_REG: Final = f"SELECT {_REG_COLUMNS} FROM training_registrations WHERE id = $1"
_OF_TRAINING: Final = (
    f"SELECT {_REG_COLUMNS} FROM training_registrations WHERE training_id = $1"
    " ORDER BY registered_at, id"
)
_INSERT_REG: Final = (
    "INSERT INTO training_registrations (id, training_id, kim_id, member_id, subject,"
    " participant_name, status, registered_at, confirmed_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
    " CASE WHEN $7::text = 'confirmed' THEN $8::timestamptz END)"
    f" ON CONFLICT DO NOTHING RETURNING {_REG_COLUMNS}"
)
# The conditional change that makes a cancellation happen once: the loser of two concurrent
# cancellations of one registration changes no row. The previous status decides whether a
# seat is freed.
_CANCEL: Final = (
    "UPDATE training_registrations r SET status = 'cancelled', cancelled_at = $2"
    " FROM training_registrations before WHERE r.id = $1 AND before.id = r.id"
    " AND r.status IN ('confirmed', 'waitlisted') RETURNING before.status"
)
_PROMOTE_FIRST: Final = (
    "UPDATE training_registrations SET status = 'confirmed', promoted = true, confirmed_at = $2"
    " WHERE id = (SELECT id FROM training_registrations WHERE training_id = $1"
    " AND status = 'waitlisted' ORDER BY registered_at, id LIMIT 1)"
    f" AND status = 'waitlisted' RETURNING {_REG_COLUMNS}"
)
_WAITING: Final = (
    "SELECT count(*) FROM training_registrations WHERE training_id = $1 AND status = 'waitlisted'"
)
_ATTEND: Final = (
    "INSERT INTO training_attendance (registration_id, day, recorded_by, recorded_at)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING day"
)
_DAYS: Final = "SELECT day FROM training_attendance WHERE registration_id = $1 ORDER BY day"
_COMPLETE: Final = (
    "UPDATE training_registrations SET status = 'completed', completed_at = $2"
    f" WHERE id = $1 AND status = 'confirmed' RETURNING {_REG_COLUMNS}"
)


@dataclass(frozen=True, slots=True)
class NewTraining:
    id: UUID
    title: str
    skill: Skill
    level: str
    kabupaten_code: str
    venue: str | None
    online_url: str | None
    starts_on: date
    ends_on: date
    capacity: int
    waitlist: bool
    audience: str
    prerequisites: str | None
    required_days: int
    onboarding: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewRegistration:
    id: UUID
    training_id: UUID
    kim_id: UUID
    member_id: UUID
    subject: str
    participant_name: str
    status: RegistrationStatus
    registered_at: datetime


async def get(conn: Connection, training_id: UUID) -> TrainingRow | None:
    row = await conn.fetchrow(_GET, training_id)
    return None if row is None else from_record(TrainingRow, row)


async def lock(conn: Connection, training_id: UUID) -> TrainingRow | None:
    """The training, locked until the transaction ends (``None`` if there is none)."""
    row = await conn.fetchrow(_LOCK, training_id)
    return None if row is None else from_record(TrainingRow, row)


async def listing(
    conn: Connection, *, kabupaten_code: str | None, skill: str | None, limit: int
) -> list[TrainingRow]:
    rows = await conn.fetch(_LIST, kabupaten_code, skill, limit)
    return [from_record(TrainingRow, r) for r in rows]


async def insert(conn: Connection, t: NewTraining) -> TrainingRow:
    row = await conn.fetchrow(
        _INSERT,
        t.id,
        t.title,
        t.skill,
        t.level,
        t.kabupaten_code,
        t.venue,
        t.online_url,
        t.starts_on,
        t.ends_on,
        t.capacity,
        t.waitlist,
        t.audience,
        t.prerequisites,
        t.required_days,
        t.onboarding,
        t.created_by,
        t.created_at,
    )
    assert row is not None
    return from_record(TrainingRow, row)


async def next_onboarding(conn: Connection, kabupaten_code: str, after: date) -> TrainingRow | None:
    """The kabupaten's first scheduled onboarding training starting after ``after``."""
    row = await conn.fetchrow(_NEXT_ONBOARDING, kabupaten_code, after)
    return None if row is None else from_record(TrainingRow, row)


async def next_of_skill(
    conn: Connection, kabupaten_code: str, skill: Skill, after: date
) -> TrainingRow | None:
    """The kabupaten's first scheduled training of ``skill`` starting after ``after``."""
    row = await conn.fetchrow(_NEXT_OF_SKILL, kabupaten_code, skill, after)
    return None if row is None else from_record(TrainingRow, row)


async def add_seats(conn: Connection, training_id: UUID, delta: int, now: datetime) -> TrainingRow:
    """Change the confirmed count by ``delta`` (the training is locked by the caller)."""
    row = await conn.fetchrow(_SEATS, training_id, delta, now)
    assert row is not None
    return from_record(TrainingRow, row)


async def next_state_sequence(conn: Connection, training_id: UUID) -> int:
    n: int = await conn.fetchval(_NEXT_SEQUENCE, training_id)
    return n


async def registration(conn: Connection, registration_id: UUID) -> RegistrationRow | None:
    row = await conn.fetchrow(_GET_REG, registration_id)
    return None if row is None else from_record(RegistrationRow, row)


async def registrations(conn: Connection, training_id: UUID) -> list[RegistrationRow]:
    return [from_record(RegistrationRow, r) for r in await conn.fetch(_OF_TRAINING, training_id)]


async def insert_registration(conn: Connection, r: NewRegistration) -> RegistrationRow | None:
    """The new registration, or ``None`` when the person already holds a live one."""
    row = await conn.fetchrow(
        _INSERT_REG,
        r.id,
        r.training_id,
        r.kim_id,
        r.member_id,
        r.subject,
        r.participant_name,
        r.status,
        r.registered_at,
    )
    return None if row is None else from_record(RegistrationRow, row)


async def cancel(
    conn: Connection, registration_id: UUID, now: datetime
) -> RegistrationStatus | None:
    """Cancel a live registration; its status before, or ``None`` if it was not live."""
    before: RegistrationStatus | None = await conn.fetchval(_CANCEL, registration_id, now)
    return before


async def promote_first(
    conn: Connection, training_id: UUID, now: datetime
) -> RegistrationRow | None:
    """Give the freed seat to the first person waiting, or ``None`` if nobody waits."""
    row = await conn.fetchrow(_PROMOTE_FIRST, training_id, now)
    return None if row is None else from_record(RegistrationRow, row)


async def waiting(conn: Connection, training_id: UUID) -> int:
    n: int = await conn.fetchval(_WAITING, training_id)
    return n


async def attend(
    conn: Connection, registration_id: UUID, day: date, *, by: str, now: datetime
) -> bool:
    """Record attendance on ``day``; ``False`` if it was recorded before."""
    return await conn.fetchval(_ATTEND, registration_id, day, by, now) is not None


async def days_attended(conn: Connection, registration_id: UUID) -> list[date]:
    return [r["day"] for r in await conn.fetch(_DAYS, registration_id)]


async def complete(
    conn: Connection, registration_id: UUID, now: datetime
) -> RegistrationRow | None:
    """Mark a confirmed registration completed (``None`` if it is not confirmed)."""
    row = await conn.fetchrow(_COMPLETE, registration_id, now)
    return None if row is None else from_record(RegistrationRow, row)
