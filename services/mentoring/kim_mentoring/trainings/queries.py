"""Reads of registrations across trainings: a person's own, and a KIM's (for its officers
and the operators of its kabupaten), newest first, a page at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from uuid import UUID

from kim_mentoring.trainings.schemas import RegistrationPage, RegistrationSummary
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN, PENGELOLA_KIM
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.pagination import decode, encode, moment
from kim_shared.projections.kim.lookups import get_kim, membership

KIM_NOT_FOUND: Final = "The KIM was not found."

_SELECT: Final = """
SELECT r.id, r.training_id, t.title AS training_title, t.starts_on, t.ends_on, r.kim_id,
       r.participant_name, r.status, r.registered_at, r.completed_at,
       coalesce((SELECT array_agg(a.day ORDER BY a.day) FROM training_attendance a
                 WHERE a.registration_id = r.id), '{}') AS days_attended,
       (SELECT c.code FROM certificates c WHERE c.registration_id = r.id) AS certificate_code
FROM training_registrations r
JOIN trainings t ON t.id = r.training_id
"""
_PAGE_TAIL: Final = """
  AND ($2::timestamptz IS NULL OR (r.registered_at, r.id) < ($2, $3::uuid))
ORDER BY r.registered_at DESC, r.id DESC
LIMIT $4
"""
_OF_PERSON: Final = _SELECT + "WHERE r.subject = $1" + _PAGE_TAIL
_OF_KIM: Final = _SELECT + "WHERE r.kim_id = $1" + _PAGE_TAIL


async def ensure_sees_kim(conn: Connection, principal: Principal, kim_id: UUID, on: date) -> None:
    """Operators of the KIM's kabupaten and its current officers (in any KIM status: past
    registrations stay theirs to read); anyone else 404 as for an unknown KIM."""
    kim = await get_kim(conn, kim_id)
    if kim is None:
        raise NotFound(KIM_NOT_FOUND)
    if principal.acts_in(kim.state.kabupaten_code, OPERATOR_KABUPATEN):
        return
    if principal.acts_in(kim.state.village_code, PENGELOLA_KIM):
        found = await membership(conn, kim_id, principal.subject, on=on)
        if found is not None and found.officer:
            return
    raise NotFound(KIM_NOT_FOUND)


async def _page(
    conn: Connection, statement: str, key: str | UUID, cursor: str | None, limit: int
) -> RegistrationPage:
    after: datetime | None = None
    after_id: UUID | None = None
    if cursor:
        after, after_id = decode(cursor, moment, UUID)
    rows = await conn.fetch(statement, key, after, after_id, limit + 1)
    items = [RegistrationSummary.model_validate(dict(r)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode(items[-1].registered_at, items[-1].id)
    return RegistrationPage(items=items, next_cursor=next_cursor)


async def of_person(
    conn: Connection, subject: str, *, cursor: str | None, limit: int
) -> RegistrationPage:
    return await _page(conn, _OF_PERSON, subject, cursor, limit)


async def of_kim(
    conn: Connection, kim_id: UUID, *, cursor: str | None, limit: int
) -> RegistrationPage:
    return await _page(conn, _OF_KIM, kim_id, cursor, limit)
