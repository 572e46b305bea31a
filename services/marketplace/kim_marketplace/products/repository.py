"""SQL for products. Functions take the caller's connection and never open transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from kim_marketplace.products.domain import DiscountKind, ProductCategory, Status, Unit
from kim_shared.db import Connection, from_record


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: UUID
    seller_id: UUID
    name: str
    description: str
    category: ProductCategory
    price_rupiah: int
    unit: Unit
    discount_kind: DiscountKind | None
    discount_value: int | None
    stock: int
    photo_urls: list[str]
    weight_grams: int | None
    needs_pirt: bool
    needs_halal: bool
    status: Status
    revision: int
    live_revision: int | None
    reason_code: str | None
    published_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Fields:
    """What a seller writes (one full update, never column lists assembled per request)."""

    name: str
    description: str
    category: str
    price_rupiah: int
    unit: str
    discount_kind: str | None
    discount_value: int | None
    stock: int
    photo_urls: list[str]
    weight_grams: int | None
    needs_pirt: bool
    needs_halal: bool


_COLUMNS: Final = (
    "id, seller_id, name, description, category, price_rupiah, unit, discount_kind,"
    " discount_value, stock, photo_urls, weight_grams, needs_pirt, needs_halal, status,"
    " revision, live_revision, reason_code, published_at, version, created_at, updated_at"
)
_GET: Final = f"SELECT {_COLUMNS} FROM products WHERE id = $1"
_GET_FOR_UPDATE: Final = _GET + " FOR UPDATE"
_INSERT: Final = (
    "INSERT INTO products (id, seller_id, name, description, category, price_rupiah, unit,"
    " discount_kind, discount_value, stock, photo_urls, weight_grams, needs_pirt, needs_halal,"
    " created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)"
    f" RETURNING {_COLUMNS}"
)
_UPDATE: Final = (
    "UPDATE products SET name = $2, description = $3, category = $4, price_rupiah = $5,"
    " unit = $6, discount_kind = $7, discount_value = $8, stock = $9, photo_urls = $10,"
    " weight_grams = $11, needs_pirt = $12, needs_halal = $13, status = $14, revision = $15,"
    " version = version + 1, updated_at = $16"
    f" WHERE id = $1 RETURNING {_COLUMNS}"
)
_SET_STATUS: Final = (
    "UPDATE products SET status = $2, revision = $3, reason_code = $4,"
    " version = version + 1, updated_at = $5"
    f" WHERE id = $1 RETURNING {_COLUMNS}"
)
_PUBLISH: Final = (
    "UPDATE products SET status = 'live', live_revision = revision, reason_code = NULL,"
    " published_at = $2, version = version + 1, updated_at = $2"
    f" WHERE id = $1 RETURNING {_COLUMNS}"
)
_OF_SELLER: Final = (
    f"SELECT {_COLUMNS} FROM products WHERE seller_id = $1 ORDER BY created_at DESC, id DESC"
)


def _values(f: Fields) -> tuple[object, ...]:
    return (
        f.name,
        f.description,
        f.category,
        f.price_rupiah,
        f.unit,
        f.discount_kind,
        f.discount_value,
        f.stock,
        f.photo_urls,
        f.weight_grams,
        f.needs_pirt,
        f.needs_halal,
    )


async def get(conn: Connection, product_id: UUID, *, lock: bool = False) -> ProductRow | None:
    r = await conn.fetchrow(_GET_FOR_UPDATE if lock else _GET, product_id)
    return from_record(ProductRow, r) if r is not None else None


async def of_seller(conn: Connection, seller_id: UUID) -> list[ProductRow]:
    return [from_record(ProductRow, r) for r in await conn.fetch(_OF_SELLER, seller_id)]


async def insert(
    conn: Connection, product_id: UUID, seller_id: UUID, fields: Fields, now: datetime
) -> ProductRow:
    r = await conn.fetchrow(_INSERT, product_id, seller_id, *_values(fields), now)
    assert r is not None
    return from_record(ProductRow, r)


async def update(
    conn: Connection,
    product_id: UUID,
    fields: Fields,
    *,
    status: Status,
    revision: int,
    now: datetime,
) -> ProductRow:
    r = await conn.fetchrow(_UPDATE, product_id, *_values(fields), status, revision, now)
    assert r is not None
    return from_record(ProductRow, r)


async def set_status(
    conn: Connection,
    product_id: UUID,
    *,
    status: Status,
    revision: int,
    reason_code: str | None,
    now: datetime,
) -> ProductRow:
    r = await conn.fetchrow(_SET_STATUS, product_id, status, revision, reason_code, now)
    assert r is not None
    return from_record(ProductRow, r)


async def publish(conn: Connection, product_id: UUID, now: datetime) -> ProductRow:
    r = await conn.fetchrow(_PUBLISH, product_id, now)
    assert r is not None
    return from_record(ProductRow, r)


_BUMP_STATE: Final = (
    "UPDATE products SET state_sequence = state_sequence + 1 WHERE id = $1 RETURNING state_sequence"
)


async def next_state_sequence(conn: Connection, product_id: UUID) -> int:
    sequence: int = await conn.fetchval(_BUMP_STATE, product_id)
    return sequence
