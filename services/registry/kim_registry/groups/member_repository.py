"""SQL for members (pengurus and anggota) of a KIM.

A membership is *current* while ``left_on`` is NULL (it holds its position and
counts against ``max_members``); it is *serving* when it is current and today
lies within its term (what activation and the public counts look at).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from kim_registry.groups.repository import from_record
from kim_shared.db import Connection
from kim_shared.events.types.registry import LeaveReason, Position, RosterEntry


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: UUID
    kim_id: UUID
    full_name: str
    nik: str
    phone: str | None
    gender: str
    birth_year: int
    user_subject: str | None
    position: Position
    term_start: date
    term_end: date | None
    appointment_sk_number: str | None
    appointment_sk_date: date | None
    left_on: date | None
    left_reason: str | None
    left_reason_code: LeaveReason | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Serving:
    """Who is serving today: officer positions held and the number of members."""

    positions: frozenset[str]
    count: int


MEMBER_COLUMNS: Final = (
    "full_name",
    "nik",
    "phone",
    "gender",
    "birth_year",
    "user_subject",
    "position",
    "term_start",
    "term_end",
    "appointment_sk_number",
    "appointment_sk_date",
)
"""Columns a create or an update may set."""

_RETURNING = ", ".join(f.name for f in fields(MemberRow))
_SELECT = f"SELECT {_RETURNING} FROM members"


async def insert_member(
    conn: Connection, member_id: UUID, kim_id: UUID, values: Mapping[str, Any]
) -> MemberRow:
    columns = [c for c in MEMBER_COLUMNS if c in values]
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(columns)))
    r = await conn.fetchrow(
        f"INSERT INTO members (id, kim_id, {', '.join(columns)}) VALUES ($1, $2, {placeholders})"
        f" RETURNING {_RETURNING}",
        member_id,
        kim_id,
        *[values[c] for c in columns],
    )
    assert r is not None
    return from_record(MemberRow, r)


async def get_member(
    conn: Connection, kim_id: UUID, member_id: UUID, *, lock: bool = False
) -> MemberRow | None:
    r = await conn.fetchrow(
        _SELECT + " WHERE kim_id = $1 AND id = $2" + (" FOR UPDATE" if lock else ""),
        kim_id,
        member_id,
    )
    return None if r is None else from_record(MemberRow, r)


async def list_members(conn: Connection, kim_id: UUID, *, former: bool) -> list[MemberRow]:
    """Current members, officers first; with ``former`` also those who left."""
    rows = await conn.fetch(
        _SELECT + " WHERE kim_id = $1 AND ($2 OR left_on IS NULL)"
        " ORDER BY left_on IS NOT NULL, array_position("
        "ARRAY['ketua', 'wakil_ketua', 'sekretaris', 'bendahara', 'anggota'], position),"
        " full_name, id",
        kim_id,
        former,
    )
    return [from_record(MemberRow, r) for r in rows]


async def count_current(conn: Connection, kim_id: UUID) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM members WHERE kim_id = $1 AND left_on IS NULL", kim_id
    )
    return n


async def serving(conn: Connection, kim_id: UUID, today: date) -> Serving:
    r = await conn.fetchrow(
        """
SELECT coalesce(array_agg(DISTINCT position) FILTER (WHERE position <> 'anggota'), '{}')
           AS positions,
       count(*) AS n
FROM members
WHERE kim_id = $1 AND left_on IS NULL AND term_start <= $2
  AND (term_end IS NULL OR term_end >= $2)
""",
        kim_id,
        today,
    )
    assert r is not None
    return Serving(frozenset(r["positions"]), r["n"])


async def holder_of(
    conn: Connection, kim_id: UUID, position: str, *, other_than: UUID | None = None
) -> UUID | None:
    """The current holder of an officer position, if any."""
    holder: UUID | None = await conn.fetchval(
        "SELECT id FROM members WHERE kim_id = $1 AND position = $2 AND left_on IS NULL"
        " AND ($3::uuid IS NULL OR id <> $3)",
        kim_id,
        position,
        other_than,
    )
    return holder


async def member_with_nik(
    conn: Connection, kim_id: UUID, nik: str, *, other_than: UUID | None = None
) -> UUID | None:
    """The current membership of the person with ``nik`` in the KIM, if any."""
    found: UUID | None = await conn.fetchval(
        "SELECT id FROM members WHERE kim_id = $1 AND nik = $2 AND left_on IS NULL"
        " AND ($3::uuid IS NULL OR id <> $3)",
        kim_id,
        nik,
        other_than,
    )
    return found


async def update_member(conn: Connection, member_id: UUID, changes: Mapping[str, Any]) -> MemberRow:
    columns = [c for c in MEMBER_COLUMNS if c in changes]
    if not columns or len(columns) != len(changes):
        raise ValueError(f"only member columns may change, not {sorted(changes)}")
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
    r = await conn.fetchrow(
        f"UPDATE members SET {sets}, version = version + 1, updated_at = now()"
        f" WHERE id = $1 RETURNING {_RETURNING}",
        member_id,
        *[changes[c] for c in columns],
    )
    assert r is not None
    return from_record(MemberRow, r)


async def end_member(
    conn: Connection,
    member_id: UUID,
    left_on: date,
    reason_code: LeaveReason | None,
    reason: str | None,
) -> MemberRow:
    r = await conn.fetchrow(
        "UPDATE members SET left_on = $2, left_reason_code = $3, left_reason = $4,"
        f" version = version + 1, updated_at = now() WHERE id = $1 RETURNING {_RETURNING}",
        member_id,
        left_on,
        reason_code,
        reason,
    )
    assert r is not None
    return from_record(MemberRow, r)


async def end_all_current(
    conn: Connection, kim_id: UUID, today: date, reason: str | None
) -> list[MemberRow]:
    """End every current membership (the KIM is dissolved: reason code ``kim_dibubarkan``,
    with the dissolution's note); a future term ends on its start."""
    rows = await conn.fetch(
        "UPDATE members SET left_on = greatest($2::date, term_start),"
        " left_reason_code = 'kim_dibubarkan', left_reason = $3,"
        " version = version + 1, updated_at = now()"
        f" WHERE kim_id = $1 AND left_on IS NULL RETURNING {_RETURNING}",
        kim_id,
        today,
        reason,
    )
    return [from_record(MemberRow, r) for r in rows]


async def roster(conn: Connection, kim_id: UUID) -> list[RosterEntry]:
    """Current memberships as published in the KIM's state: ids and roles, nothing personal."""
    rows = await conn.fetch(
        "SELECT id AS member_id, position, user_subject, term_start, term_end FROM members"
        " WHERE kim_id = $1 AND left_on IS NULL ORDER BY array_position("
        "ARRAY['ketua', 'wakil_ketua', 'sekretaris', 'bendahara', 'anggota'], position), id",
        kim_id,
    )
    return [RosterEntry.model_validate(dict(r)) for r in rows]
