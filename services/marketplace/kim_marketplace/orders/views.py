"""Responses about orders, as their buyer and their seller's side see them."""

from __future__ import annotations

from lokal.rupiah import format_rupiah

from kim_marketplace.orders import repository as repo
from kim_marketplace.orders.repository import OrderRow
from kim_marketplace.orders.schemas import BuyerContact, ItemView, OrderView
from kim_shared.db import Connection


async def order_view(conn: Connection, o: OrderRow) -> OrderView:
    lines = await repo.items(conn, o.id)
    return OrderView(
        id=o.id,
        seller_id=o.seller_id,
        buyer=BuyerContact(name=o.buyer_name, phone=o.buyer_phone),
        items=[
            ItemView(
                product_id=i.product_id,
                name=i.name,
                unit_price_rupiah=i.unit_price_rupiah,
                quantity=i.quantity,
                line_total_rupiah=i.line_total_rupiah,
            )
            for i in lines
        ],
        fulfilment=o.fulfilment,
        note=o.note,
        total_rupiah=o.total_rupiah,
        total_text=str(format_rupiah(o.total_rupiah)),
        status=o.status,
        cancelled_by=o.cancelled_by,
        expires_at=o.expires_at,
        confirmed_at=o.confirmed_at,
        fulfilled_at=o.fulfilled_at,
        completed_at=o.completed_at,
        closed_at=o.closed_at,
        version=o.version,
        placed_at=o.placed_at,
        updated_at=o.updated_at,
    )
