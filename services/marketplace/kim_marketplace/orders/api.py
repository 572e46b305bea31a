"""HTTP routes of orders: place (any signed-in buyer), read, and move through the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from kim_marketplace import access
from kim_marketplace.orders import handlers, inquiries
from kim_marketplace.orders import repository as repo
from kim_marketplace.orders.domain import Action
from kim_marketplace.orders.schemas import (
    AskQuestion,
    Inquiry,
    InquiryCounts,
    InquiryView,
    OrderView,
    PlaceOrder,
)
from kim_marketplace.orders.views import order_view
from kim_marketplace.sellers import handlers as sellers
from kim_marketplace.settings import MarketplaceSettings
from kim_shared.auth import CurrentPrincipal
from kim_shared.http.command import command
from kim_shared.http.concurrency import etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Runtime, Source, get_runtime

router = APIRouter(tags=["orders"])


def _now() -> datetime:
    return datetime.now(UTC)


def _expiry(request: Request) -> timedelta:
    runtime: Runtime = get_runtime(request)
    settings = runtime.settings
    assert isinstance(settings, MarketplaceSettings)
    return timedelta(minutes=settings.order_expiry_minutes)


@router.post("/orders", status_code=201, response_model=OrderView, summary="Place an order")
async def place_order(
    request: Request,
    body: PlaceOrder,
    principal: CurrentPrincipal,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """Any signed-in buyer orders live products of one seller; their stock is reserved and
    the totals are computed here (409 ``out-of-stock`` when there is not enough)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            placement = handlers.Placement(principal.subject, _now(), _expiry(request))
            order = await handlers.place(cmd.conn, source, body, placement)
        else:
            order = await handlers.load(cmd.conn, UUID(cmd.existing))
        view = await order_view(cmd.conn, order)
        return cmd.created(
            order.id,
            view.model_dump(mode="json"),
            headers={"Location": f"/orders/{order.id}", "ETag": etag(order.version)},
        )


@router.get("/orders", response_model=list[OrderView], summary="The caller's orders as buyer")
async def my_orders(principal: CurrentPrincipal, pool: Pool) -> list[OrderView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return [await order_view(conn, o) for o in await repo.of_buyer(conn, principal.subject)]


@router.get(
    "/sellers/{seller_id:uuid}/orders",
    response_model=list[OrderView],
    summary="A seller's orders, newest first (its owner and KIM officers)",
)
async def seller_orders(seller_id: UUID, principal: access.Manager, pool: Pool) -> list[OrderView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        seller = await sellers.load(conn, seller_id)
        await access.ensure_manages(conn, principal, seller)
        return [await order_view(conn, o) for o in await repo.of_seller(conn, seller.id)]


@router.get("/orders/{order_id:uuid}", response_model=OrderView, summary="One order")
async def get_order(order_id: UUID, principal: CurrentPrincipal, pool: Pool) -> Response:
    """Its buyer and the seller's side; anyone else 404."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        order = await handlers.visible(conn, principal, order_id)
        return with_etag(await order_view(conn, order), order.version)


async def _act(
    order_id: UUID, principal: CurrentPrincipal, pool: Pool, source: Source, action: Action
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        order = await handlers.act(conn, source, principal, order_id, action, _now())
        return with_etag(await order_view(conn, order), order.version)


ActionPath = Literal["confirm", "ready", "ship", "complete", "cancel"]


@router.post(
    "/orders/{order_id:uuid}/{action}",
    response_model=OrderView,
    summary="Confirm, make ready (pickup), ship (delivery), complete or cancel an order",
)
async def order_action(
    order_id: UUID, action: ActionPath, principal: CurrentPrincipal, pool: Pool, source: Source
) -> Response:
    """Only the seller's side confirms, fulfils and completes (the buyer: 403); the buyer
    cancels before confirmation, the seller before completion. Cancelling gives the stock
    back. A step the order's status does not allow is 409 ``invalid-transition``."""
    return await _act(order_id, principal, pool, source, action)


@router.post(
    "/products/{product_id:uuid}/inquiries",
    status_code=201,
    response_model=InquiryView,
    summary="Ask about a live product, or hand off to the seller's WhatsApp",
)
async def ask(
    request: Request,
    product_id: UUID,
    body: Inquiry,
    principal: CurrentPrincipal,
    pool: Pool,
    key: IdempotencyKey = None,
) -> Response:
    """Recorded so the seller's side, its KIM and Diskominfo can count interest; a hand-off
    answers with a ``wa.me`` link and an Indonesian template message."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.replay is not None:
            return cmd.replay
        done = await inquiries.record(
            cmd.conn,
            principal,
            product_id,
            kind=body.kind,
            question=body.question if isinstance(body, AskQuestion) else None,
            now=_now(),
        )
        view = InquiryView(
            id=done.id, product_id=done.product_id, kind=done.kind, whatsapp_url=done.whatsapp_url
        )
        return cmd.respond(201, view.model_dump(mode="json"))


@router.get(
    "/products/{product_id:uuid}/inquiries/count",
    response_model=InquiryCounts,
    summary="How many inquiries a product had (its seller's side and operators)",
)
async def inquiry_count(product_id: UUID, principal: CurrentPrincipal, pool: Pool) -> InquiryCounts:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        n = await inquiries.counts(conn, principal, product_id)
        return InquiryCounts(
            product_id=n.product_id,
            questions=n.questions,
            whatsapp=n.whatsapp,
            total=n.questions + n.whatsapp,
        )
