"""SQL for experts. Functions take the caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kim_shared.db import Connection, from_record
from kim_shared.events.types.mentoring import Skill


@dataclass(frozen=True, slots=True)
class ExpertRow:
    subject: str
    kabupaten_code: str
    skills: list[Skill]
    weekly_capacity: int
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


_COLUMNS: Final = (
    "subject, kabupaten_code, skills, weekly_capacity, active, version, created_at, updated_at"
)
_GET: Final = f"SELECT {_COLUMNS} FROM experts WHERE subject = $1"
_LOCK: Final = _GET + " FOR UPDATE"
_PUT: Final = (
    "INSERT INTO experts (subject, kabupaten_code, skills, weekly_capacity, active,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)"
    " ON CONFLICT (subject) DO UPDATE SET kabupaten_code = EXCLUDED.kabupaten_code,"
    " skills = EXCLUDED.skills, weekly_capacity = EXCLUDED.weekly_capacity,"
    " active = EXCLUDED.active, version = experts.version + 1, updated_at = EXCLUDED.updated_at"
    f" RETURNING {_COLUMNS}"
)
_IN_KABUPATEN: Final = f"SELECT {_COLUMNS} FROM experts WHERE kabupaten_code = $1 ORDER BY subject"


async def get(conn: Connection, subject: str, *, lock: bool = False) -> ExpertRow | None:
    r = await conn.fetchrow(_LOCK if lock else _GET, subject)
    return from_record(ExpertRow, r) if r is not None else None


async def put(
    conn: Connection,
    subject: str,
    *,
    kabupaten_code: str,
    skills: list[Skill],
    weekly_capacity: int,
    active: bool,
    now: datetime,
) -> ExpertRow:
    r = await conn.fetchrow(_PUT, subject, kabupaten_code, skills, weekly_capacity, active, now)
    assert r is not None
    return from_record(ExpertRow, r)


async def in_kabupaten(conn: Connection, kabupaten_code: str) -> list[ExpertRow]:
    return [from_record(ExpertRow, r) for r in await conn.fetch(_IN_KABUPATEN, kabupaten_code)]
