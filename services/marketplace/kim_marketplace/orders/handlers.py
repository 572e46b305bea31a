"""Commands on orders: place (reserving stock), move through the lifecycle, cancel and expire
(giving stock back exactly once).

Stock is taken with a conditional ``UPDATE … WHERE stock >= quantity`` in the placement's
transaction, so concurrent orders never oversell. Giving it back happens only in the
transaction whose conditional status change (``… WHERE status = ANY(allowed)``) moved the
order to cancelled or expired: when a cancel and an expiry race, one of them changes no row
and releases nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from kim_marketplace import access
from kim_marketplace.orders import repository as repo
from kim_marketplace.orders.domain import (
    EXPIRES_FROM,
    TRANSITIONS,
    Action,
    Party,
    allowed_from,
    check_fulfilment,
    normalise_phone,
)
from kim_marketplace.orders.repository import ItemRow, NewOrder, OrderRow
from kim_marketplace.orders.schemas import PlaceOrder
from kim_marketplace.products.domain import final_price
from kim_marketplace.sellers import repository as sellers
from kim_marketplace.sellers.repository import SellerRow
from kim_shared import outbox
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Forbidden, Invalid, Issue, NotFound
from kim_shared.events.types.activity import OrderCompleted
from kim_shared.events.types.marketplace import (
    OrderCancelled,
    OrderConfirmed,
    OrderExpired,
    OrderItem,
    OrderPlaced,
)
from kim_shared.outbox import EventSource

ORDER_NOT_FOUND = "The order was not found."


@dataclass(frozen=True, slots=True)
class Placement:
    """Who places the order and when; the expiry time follows from the settings."""

    buyer_subject: str
    now: datetime
    expiry: timedelta


async def load(conn: Connection, order_id: UUID) -> OrderRow:
    order = await repo.get(conn, order_id)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND)
    return order


async def _seller(conn: Connection, seller_id: UUID) -> SellerRow:
    seller = await sellers.get(conn, seller_id)
    if seller is None:  # orders reference sellers: only a broken database gets here
        raise NotFound(access.SELLER_NOT_FOUND)
    return seller


async def party(
    conn: Connection, principal: Principal, order: OrderRow, seller: SellerRow
) -> Party | None:
    """The caller's side of the order: the seller's managers, the buyer, or neither."""
    if await access.manages(conn, principal, seller):
        return "seller"
    if principal.subject == order.buyer_subject:
        return "buyer"
    return None


async def visible(conn: Connection, principal: Principal, order_id: UUID) -> OrderRow:
    """The order if the caller is its buyer or on its seller's side (404 otherwise)."""
    order = await load(conn, order_id)
    seller = await _seller(conn, order.seller_id)
    if await party(conn, principal, order, seller) is None:
        raise NotFound(ORDER_NOT_FOUND)
    return order


def _check_items(body: PlaceOrder) -> None:
    seen: set[UUID] = set()
    for n, item in enumerate(body.items):
        if item.product_id in seen:
            raise Invalid(
                "A product appears twice in the order: give one line with the total quantity.",
                field=f"body.items.{n}.product_id",
                slug="duplicate-item",
            )
        seen.add(item.product_id)


async def place(
    conn: Connection, source: EventSource, body: PlaceOrder, placement: Placement
) -> OrderRow:
    """Place an order for live listings of one seller, reserving their stock.

    Unknown products and products of several sellers are 422; a listing that is not live
    or lacks the stock is 409. Nothing is stored unless every line is reserved.
    """
    _check_items(body)
    phone = normalise_phone(body.buyer.phone)
    ids = [i.product_id for i in body.items]
    found = await repo.offers(conn, ids)
    unknown = [
        Issue(field=f"body.items.{n}.product_id", message="No such product.")
        for n, i in enumerate(body.items)
        if i.product_id not in found
    ]
    if unknown:
        raise Invalid.of("Unknown products in the order", unknown, slug="unknown-product")
    seller_ids = {found[i].seller_id for i in ids}
    if len(seller_ids) > 1:
        raise Invalid(
            "An order holds products of one seller: place one order per seller.",
            field="body.items",
            slug="several-sellers",
        )
    for n, item in enumerate(body.items):
        if found[item.product_id].status != "live":
            raise Conflict(
                f"The listing of item {n + 1} is not live: it cannot be ordered.",
                slug="listing-not-live",
            )
    seller = await _seller(conn, seller_ids.pop())
    order_id = uuid.uuid4()
    lines: list[ItemRow] = []
    # A fixed order of locks (by product id) keeps concurrent multi-item orders from deadlocking.
    for item in sorted(body.items, key=lambda i: i.product_id):
        taken = await repo.reserve(
            conn, item.product_id, item.quantity, seller_id=seller.id, now=placement.now
        )
        if taken is None:
            raise Conflict(
                f"Not enough stock of {found[item.product_id].name!r} for {item.quantity}"
                f" {'unit' if item.quantity == 1 else 'units'}: the order was not placed.",
                slug="out-of-stock",
            )
        unit = final_price(taken.price_rupiah, taken.discount_kind, taken.discount_value)
        lines.append(
            ItemRow(order_id, taken.id, taken.name, unit, item.quantity, unit * item.quantity)
        )
    total = sum(line.line_total_rupiah for line in lines)
    order = await repo.insert(
        conn,
        NewOrder(
            id=order_id,
            seller_id=seller.id,
            buyer_subject=placement.buyer_subject,
            buyer_name=body.buyer.name,
            buyer_phone=phone,
            fulfilment=body.fulfilment,
            note=body.note,
            total_rupiah=total,
            expires_at=placement.now + placement.expiry,
            placed_at=placement.now,
        ),
        lines,
    )
    await outbox.add(
        conn,
        OrderPlaced(
            order_id=order.id,
            seller_id=seller.id,
            kim_id=seller.kim_id,
            kabupaten_code=seller.kabupaten_code,
            items=[
                OrderItem(
                    product_id=line.product_id,
                    quantity=line.quantity,
                    line_total_rupiah=line.line_total_rupiah,
                )
                for line in lines
            ],
            total_rupiah=total,
            fulfilment=order.fulfilment,
            placed_at=order.placed_at,
            expires_at=order.expires_at,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
    return order


def _invalid_transition(action: Action, order: OrderRow, why: str | None = None) -> Conflict:
    return Conflict(
        why or f"The order is {order.status}: it cannot be {_DONE[action]} now.",
        slug="invalid-transition",
    )


_DONE: dict[Action, str] = {
    "confirm": "confirmed",
    "ready": "made ready for pickup",
    "ship": "shipped",
    "complete": "completed",
    "cancel": "cancelled",
}


async def act(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    order_id: UUID,
    action: Action,
    now: datetime,
) -> OrderRow:
    """Take ``action`` on an order. Only the seller side confirms, fulfils and completes (the
    buyer gets 403, anyone else 404); the buyer cancels only before confirmation. An action
    the order's status does not allow is 409."""
    order = await load(conn, order_id)
    seller = await _seller(conn, order.seller_id)
    side = await party(conn, principal, order, seller)
    if side is None:
        raise NotFound(ORDER_NOT_FOUND)
    if side == "buyer" and action != "cancel":
        raise Forbidden(f"Only the seller can mark the order {_DONE[action]}.")
    if not check_fulfilment(action, order.fulfilment):
        raise _invalid_transition(
            action, order, f"A {order.fulfilment} order cannot be {_DONE[action]}."
        )
    allowed = allowed_from(action, side)
    to = TRANSITIONS[action][1]
    moved = await repo.transition(
        conn,
        order.id,
        to=to,
        allowed=allowed,
        now=now,
        cancelled_by=side if action == "cancel" else None,
    )
    if moved is None:
        current = await load(conn, order.id)
        if action == "cancel" and side == "buyer" and current.status in TRANSITIONS["cancel"][0]:
            raise _invalid_transition(
                action,
                current,
                f"The order is {current.status}: after confirmation only the seller cancels.",
            )
        raise _invalid_transition(action, current)
    if to == "cancelled":
        await repo.release(conn, moved.id, now)
        event: OrderCancelled | OrderConfirmed | OrderCompleted | None = OrderCancelled(
            order_id=moved.id,
            seller_id=seller.id,
            kabupaten_code=seller.kabupaten_code,
            cancelled_by=side,
            cancelled_at=now,
        )
    elif to == "confirmed":
        event = OrderConfirmed(
            order_id=moved.id,
            seller_id=seller.id,
            kabupaten_code=seller.kabupaten_code,
            confirmed_at=now,
        )
    elif to == "completed" and seller.kim_id is not None:
        lines = await repo.items(conn, moved.id)
        event = OrderCompleted(
            order_id=moved.id,
            listing_id=max(lines, key=lambda i: (i.line_total_rupiah, i.product_id)).product_id,
            kim_id=seller.kim_id,
            completed_at=now,
        )
    else:
        event = None
    if event is not None:
        await outbox.add(conn, event, source, kabupaten=seller.kabupaten_code)
    return moved


async def expire(conn: Connection, source: EventSource, order_id: UUID, now: datetime) -> bool:
    """Expire one placed order and give its stock back; ``False`` if it is no longer placed
    (cancelled or confirmed meanwhile: nothing is released)."""
    moved = await repo.transition(conn, order_id, to="expired", allowed=EXPIRES_FROM, now=now)
    if moved is None:
        return False
    await repo.release(conn, moved.id, now)
    seller = await _seller(conn, moved.seller_id)
    await outbox.add(
        conn,
        OrderExpired(
            order_id=moved.id,
            seller_id=seller.id,
            kabupaten_code=seller.kabupaten_code,
            expired_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
    return True


async def expire_due(conn: Connection, source: EventSource, now: datetime, limit: int = 100) -> int:
    """Expire a batch of placed orders whose time has passed; returns how many."""
    done = 0
    for order_id in await repo.due(conn, now, limit):
        if await expire(conn, source, order_id, now):
            done += 1
    return done
