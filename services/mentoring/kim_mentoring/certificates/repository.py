"""SQL for certificates. Functions take the caller's connection and never open transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from uuid import UUID

from kim_shared.db import Connection, from_record


@dataclass(frozen=True, slots=True)
class CertificateRow:
    id: UUID
    code: str
    registration_id: UUID
    training_id: UUID
    participant_name: str
    training_title: str
    completed_on: date
    issuer: str
    issued_at: datetime


_COLUMNS: Final = (
    "id, code, registration_id, training_id, participant_name, training_title, completed_on,"
    " issuer, issued_at"
)
_BY_CODE: Final = f"SELECT {_COLUMNS} FROM certificates WHERE code = $1"
_OF_REGISTRATION: Final = f"SELECT {_COLUMNS} FROM certificates WHERE registration_id = $1"
_INSERT: Final = (
    f"INSERT INTO certificates ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    f" ON CONFLICT (registration_id) DO NOTHING RETURNING {_COLUMNS}"
)


async def by_code(conn: Connection, code: str) -> CertificateRow | None:
    row = await conn.fetchrow(_BY_CODE, code)
    return None if row is None else from_record(CertificateRow, row)


async def of_registration(conn: Connection, registration_id: UUID) -> CertificateRow | None:
    row = await conn.fetchrow(_OF_REGISTRATION, registration_id)
    return None if row is None else from_record(CertificateRow, row)


async def insert(conn: Connection, c: CertificateRow) -> CertificateRow | None:
    """The new certificate, or ``None`` if the registration already has one."""
    row = await conn.fetchrow(
        _INSERT,
        c.id,
        c.code,
        c.registration_id,
        c.training_id,
        c.participant_name,
        c.training_title,
        c.completed_on,
        c.issuer,
        c.issued_at,
    )
    return None if row is None else from_record(CertificateRow, row)
