"""SQL for sellers and their licences. Functions take the caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from uuid import UUID

from kim_marketplace.sellers.domain import BusinessCategory
from kim_shared.db import Connection, from_record
from kim_shared.events.types.marketplace import DocumentKind, VerificationStatus


@dataclass(frozen=True, slots=True)
class SellerRow:
    id: UUID
    owner_subject: str
    business_name: str
    owner_name: str
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    address: str
    whatsapp: str
    kim_id: UUID | None
    business_category: BusinessCategory
    state_revision: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LicenceRow:
    seller_id: UUID
    document: DocumentKind
    number: str
    expires_on: date | None
    status: VerificationStatus
    note: str | None
    verified_by: str | None
    verified_at: datetime | None


_SELLER_COLUMNS: Final = (
    "id, owner_subject, business_name, owner_name, village_code, kecamatan_code,"
    " kabupaten_code, address, whatsapp, kim_id, business_category, state_revision, version,"
    " created_at, updated_at"
)
_GET: Final = f"SELECT {_SELLER_COLUMNS} FROM sellers WHERE id = $1"
_GET_FOR_UPDATE: Final = _GET + " FOR UPDATE"
_OF_OWNER: Final = f"SELECT {_SELLER_COLUMNS} FROM sellers WHERE owner_subject = $1"
_INSERT: Final = (
    "INSERT INTO sellers (id, owner_subject, business_name, owner_name, village_code,"
    " kecamatan_code, kabupaten_code, address, whatsapp, kim_id, business_category,"
    " created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
    f" ON CONFLICT (owner_subject) DO NOTHING RETURNING {_SELLER_COLUMNS}"
)
_UPDATE: Final = (
    "UPDATE sellers SET business_name = $2, owner_name = $3, village_code = $4,"
    " kecamatan_code = $5, kabupaten_code = $6, address = $7, whatsapp = $8, kim_id = $9,"
    " business_category = $10, version = version + 1, updated_at = $11"
    f" WHERE id = $1 RETURNING {_SELLER_COLUMNS}"
)
_BUMP_STATE: Final = (
    "UPDATE sellers SET state_revision = state_revision + 1 WHERE id = $1 RETURNING state_revision"
)
_TOUCH: Final = "UPDATE sellers SET version = version + 1, updated_at = $2 WHERE id = $1"
_LICENCES: Final = (
    "SELECT seller_id, document, number, expires_on, status, note, verified_by, verified_at"
    " FROM seller_licences WHERE seller_id = $1 ORDER BY document"
)
_PUT_LICENCE: Final = (
    "INSERT INTO seller_licences (seller_id, document, number, expires_on)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (seller_id, document) DO UPDATE SET number = EXCLUDED.number,"
    " expires_on = EXCLUDED.expires_on, status = 'belum_diverifikasi', note = NULL,"
    " verified_by = NULL, verified_at = NULL"
    " WHERE (seller_licences.number, seller_licences.expires_on)"
    " IS DISTINCT FROM (EXCLUDED.number, EXCLUDED.expires_on)"
)
_DROP_LICENCES: Final = (
    "DELETE FROM seller_licences WHERE seller_id = $1 AND NOT (document = ANY($2::text[]))"
)
_VERIFY: Final = (
    "UPDATE seller_licences SET status = $3, note = $4, verified_by = $5, verified_at = $6"
    " WHERE seller_id = $1 AND document = $2"
)
_EXPIRE: Final = (
    "UPDATE seller_licences l SET status = 'kedaluwarsa'"
    " FROM (SELECT seller_id, document FROM seller_licences"
    "       WHERE status = 'terverifikasi' AND expires_on < $1"
    "       ORDER BY seller_id, document LIMIT $2 FOR UPDATE SKIP LOCKED) due"
    " WHERE l.seller_id = due.seller_id AND l.document = due.document"
    " AND l.status = 'terverifikasi' AND l.expires_on < $1"
    " RETURNING l.seller_id, l.document, l.expires_on"
)


@dataclass(frozen=True, slots=True)
class ExpiredLicence:
    seller_id: UUID
    document: DocumentKind
    expires_on: date


async def get(conn: Connection, seller_id: UUID, *, lock: bool = False) -> SellerRow | None:
    r = await conn.fetchrow(_GET_FOR_UPDATE if lock else _GET, seller_id)
    return from_record(SellerRow, r) if r is not None else None


async def of_owner(conn: Connection, subject: str) -> SellerRow | None:
    r = await conn.fetchrow(_OF_OWNER, subject)
    return from_record(SellerRow, r) if r is not None else None


async def insert(
    conn: Connection,
    *,
    seller_id: UUID,
    owner_subject: str,
    business_name: str,
    owner_name: str,
    village_code: str,
    kecamatan_code: str,
    kabupaten_code: str,
    address: str,
    whatsapp: str,
    kim_id: UUID | None,
    business_category: str,
    now: datetime,
) -> SellerRow | None:
    """The new seller, or ``None`` when the owner already has one."""
    r = await conn.fetchrow(
        _INSERT,
        seller_id,
        owner_subject,
        business_name,
        owner_name,
        village_code,
        kecamatan_code,
        kabupaten_code,
        address,
        whatsapp,
        kim_id,
        business_category,
        now,
    )
    return from_record(SellerRow, r) if r is not None else None


async def update(
    conn: Connection,
    seller_id: UUID,
    *,
    business_name: str,
    owner_name: str,
    village_code: str,
    kecamatan_code: str,
    kabupaten_code: str,
    address: str,
    whatsapp: str,
    kim_id: UUID | None,
    business_category: str,
    now: datetime,
) -> SellerRow:
    r = await conn.fetchrow(
        _UPDATE,
        seller_id,
        business_name,
        owner_name,
        village_code,
        kecamatan_code,
        kabupaten_code,
        address,
        whatsapp,
        kim_id,
        business_category,
        now,
    )
    assert r is not None
    return from_record(SellerRow, r)


async def next_state_revision(conn: Connection, seller_id: UUID) -> int:
    revision: int = await conn.fetchval(_BUMP_STATE, seller_id)
    return revision


async def touch(conn: Connection, seller_id: UUID, now: datetime) -> None:
    await conn.execute(_TOUCH, seller_id, now)


async def licences(conn: Connection, seller_id: UUID) -> list[LicenceRow]:
    return [from_record(LicenceRow, r) for r in await conn.fetch(_LICENCES, seller_id)]


async def put_licences(
    conn: Connection, seller_id: UUID, declared: dict[DocumentKind, tuple[str, date | None]]
) -> None:
    """Keep the declared licences (a changed number or expiry needs verifying again) and
    drop the others."""
    await conn.execute(_DROP_LICENCES, seller_id, list(declared))
    for document, (number, expires_on) in declared.items():
        await conn.execute(_PUT_LICENCE, seller_id, document, number, expires_on)


async def verify(
    conn: Connection,
    seller_id: UUID,
    document: DocumentKind,
    *,
    status: VerificationStatus,
    note: str | None,
    by: str,
    now: datetime,
) -> None:
    await conn.execute(_VERIFY, seller_id, document, status, note, by, now)


async def expire_licences(conn: Connection, today: date, limit: int) -> list[ExpiredLicence]:
    """Mark up to ``limit`` verified licences that expired before ``today`` as
    ``kedaluwarsa`` (a conditional update: a second run finds nothing)."""
    return [from_record(ExpiredLicence, r) for r in await conn.fetch(_EXPIRE, today, limit)]
