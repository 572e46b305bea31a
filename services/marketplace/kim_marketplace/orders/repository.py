"""SQL for orders, their items and stock. Functions take the caller's connection and never
open transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from kim_marketplace.orders.domain import Fulfilment, OrderStatus, Party
from kim_marketplace.products.domain import DiscountKind, Status
from kim_shared.db import Connection, from_record


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: UUID
    seller_id: UUID
    buyer_subject: str
    buyer_name: str
    buyer_phone: str
    fulfilment: Fulfilment
    note: str | None
    total_rupiah: int
    status: OrderStatus
    cancelled_by: Party | None
    expires_at: datetime
    confirmed_at: datetime | None
    fulfilled_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    version: int
    placed_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ItemRow:
    order_id: UUID
    product_id: UUID
    name: str
    unit_price_rupiah: int
    quantity: int
    line_total_rupiah: int


@dataclass(frozen=True, slots=True)
class OfferRow:
    """What placement needs to know about an ordered product."""

    id: UUID
    seller_id: UUID
    name: str
    status: Status
    price_rupiah: int
    discount_kind: DiscountKind | None
    discount_value: int | None
    stock: int


@dataclass(frozen=True, slots=True)
class NewOrder:
    id: UUID
    seller_id: UUID
    buyer_subject: str
    buyer_name: str
    buyer_phone: str
    fulfilment: Fulfilment
    note: str | None
    total_rupiah: int
    expires_at: datetime
    placed_at: datetime


_COLUMNS: Final = (
    "id, seller_id, buyer_subject, buyer_name, buyer_phone, fulfilment, note, total_rupiah,"
    " status, cancelled_by, expires_at, confirmed_at, fulfilled_at, completed_at, closed_at,"
    " version, placed_at, updated_at"
)
_ITEM_COLUMNS: Final = "order_id, product_id, name, unit_price_rupiah, quantity, line_total_rupiah"
_GET: Final = f"SELECT {_COLUMNS} FROM orders WHERE id = $1"
_INSERT: Final = (
    "INSERT INTO orders (id, seller_id, buyer_subject, buyer_name, buyer_phone, fulfilment,"
    " note, total_rupiah, expires_at, placed_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
    f" RETURNING {_COLUMNS}"
)
_INSERT_ITEM: Final = f"INSERT INTO order_items ({_ITEM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
_ITEMS: Final = (
    f"SELECT {_ITEM_COLUMNS} FROM order_items WHERE order_id = $1 ORDER BY name, product_id"
)
_OFFERS: Final = (
    "SELECT id, seller_id, name, status, price_rupiah, discount_kind, discount_value, stock"
    " FROM products WHERE id = ANY($1::uuid[])"
)
# The reservation: never below zero, only a live listing of the order's seller. The row it
# returns is the one the price is taken from (a concurrent price change cannot slip between).
_RESERVE: Final = (
    "UPDATE products SET stock = stock - $2, version = version + 1, updated_at = $4"
    " WHERE id = $1 AND seller_id = $3 AND status = 'live' AND stock >= $2"
    " RETURNING id, seller_id, name, status, price_rupiah, discount_kind, discount_value, stock"
)
# Products are locked in id order, as placement reserves them, so a release and a placement
# of overlapping products cannot deadlock.
_LOCK_ITEMS: Final = (
    "SELECT p.id FROM products p JOIN order_items i ON p.id = i.product_id"
    " WHERE i.order_id = $1 ORDER BY p.id FOR UPDATE OF p"
)
_RELEASE: Final = (
    "UPDATE products p SET stock = p.stock + i.quantity, version = p.version + 1,"
    " updated_at = $2 FROM order_items i WHERE i.order_id = $1 AND p.id = i.product_id"
)
# One conditional status change per action: the WHERE on the current status is what makes a
# cancel and an expiry racing each other release the stock once (the loser changes no row).
_TRANSITION: Final = (
    "UPDATE orders SET status = $2, version = version + 1, updated_at = $4,"
    " confirmed_at = CASE WHEN $2 = 'confirmed' THEN $4 ELSE confirmed_at END,"
    " fulfilled_at = CASE WHEN $2 IN ('ready', 'shipped') THEN $4 ELSE fulfilled_at END,"
    " completed_at = CASE WHEN $2 = 'completed' THEN $4 ELSE completed_at END,"
    " closed_at = CASE WHEN $2 IN ('cancelled', 'expired') THEN $4 ELSE closed_at END,"
    " cancelled_by = $5"
    f" WHERE id = $1 AND status = ANY($3::text[]) RETURNING {_COLUMNS}"
)
_DUE: Final = (
    "SELECT id FROM orders WHERE status = 'placed' AND expires_at <= $1"
    " ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
)
_OF_SELLER: Final = (
    f"SELECT {_COLUMNS} FROM orders WHERE seller_id = $1 ORDER BY placed_at DESC, id LIMIT $2"
)
_OF_BUYER: Final = (
    f"SELECT {_COLUMNS} FROM orders WHERE buyer_subject = $1 ORDER BY placed_at DESC, id LIMIT $2"
)


async def get(conn: Connection, order_id: UUID) -> OrderRow | None:
    row = await conn.fetchrow(_GET, order_id)
    return None if row is None else from_record(OrderRow, row)


async def items(conn: Connection, order_id: UUID) -> list[ItemRow]:
    return [from_record(ItemRow, r) for r in await conn.fetch(_ITEMS, order_id)]


async def offers(conn: Connection, product_ids: list[UUID]) -> dict[UUID, OfferRow]:
    rows = await conn.fetch(_OFFERS, product_ids)
    return {r["id"]: from_record(OfferRow, r) for r in rows}


async def reserve(
    conn: Connection, product_id: UUID, quantity: int, *, seller_id: UUID, now: datetime
) -> OfferRow | None:
    """Take ``quantity`` off the stock of a live product of the seller, or ``None`` if there
    is not enough (nothing changes then)."""
    row = await conn.fetchrow(_RESERVE, product_id, quantity, seller_id, now)
    return None if row is None else from_record(OfferRow, row)


async def release(conn: Connection, order_id: UUID, now: datetime) -> None:
    """Give an order's quantities back to its products' stock."""
    await conn.execute(_LOCK_ITEMS, order_id)
    await conn.execute(_RELEASE, order_id, now)


async def insert(conn: Connection, order: NewOrder, lines: list[ItemRow]) -> OrderRow:
    row = await conn.fetchrow(
        _INSERT,
        order.id,
        order.seller_id,
        order.buyer_subject,
        order.buyer_name,
        order.buyer_phone,
        order.fulfilment,
        order.note,
        order.total_rupiah,
        order.expires_at,
        order.placed_at,
    )
    assert row is not None
    await conn.executemany(
        _INSERT_ITEM,
        [
            (i.order_id, i.product_id, i.name, i.unit_price_rupiah, i.quantity, i.line_total_rupiah)
            for i in lines
        ],
    )
    return from_record(OrderRow, row)


async def transition(
    conn: Connection,
    order_id: UUID,
    *,
    to: OrderStatus,
    allowed: tuple[OrderStatus, ...],
    now: datetime,
    cancelled_by: Party | None = None,
) -> OrderRow | None:
    """Move the order to ``to`` if it is in one of ``allowed`` (``None`` if it is not)."""
    row = await conn.fetchrow(_TRANSITION, order_id, to, list(allowed), now, cancelled_by)
    return None if row is None else from_record(OrderRow, row)


async def due(conn: Connection, now: datetime, limit: int) -> list[UUID]:
    """Ids of placed orders whose confirmation time has passed, locked (others skip them)."""
    return [r["id"] for r in await conn.fetch(_DUE, now, limit)]


async def of_seller(conn: Connection, seller_id: UUID, limit: int = 200) -> list[OrderRow]:
    return [from_record(OrderRow, r) for r in await conn.fetch(_OF_SELLER, seller_id, limit)]


async def of_buyer(conn: Connection, subject: str, limit: int = 200) -> list[OrderRow]:
    return [from_record(OrderRow, r) for r in await conn.fetch(_OF_BUYER, subject, limit)]
