"""HTTP routes of sellers: register, read, change, verify a licence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_marketplace import access
from kim_marketplace.catalogue.schemas import REGION_CODE
from kim_marketplace.sellers import handlers, queries
from kim_marketplace.sellers.queries import SellerCursor, SellerFilter
from kim_marketplace.sellers.repository import SellerRow
from kim_marketplace.sellers.schemas import (
    SellerPage,
    SellerProfile,
    SellerView,
    Verification,
)
from kim_marketplace.sellers.views import seller_summary, seller_view
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchRequired, etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["sellers"])


def _now() -> datetime:
    return datetime.now(UTC)


async def _respond(conn: Connection, seller: SellerRow) -> Response:
    return with_etag(await seller_view(conn, seller), seller.version)


@router.post("/sellers", status_code=201, response_model=SellerView, summary="Register my business")
async def register_seller(
    request: Request,
    body: SellerProfile,
    principal: access.Owner,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """A pelaku UMKM registers its business once; its licences start unverified."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            seller = await handlers.register(cmd.conn, source, principal, body, _now())
        else:
            seller = await handlers.load(cmd.conn, UUID(cmd.existing))
        view = await seller_view(cmd.conn, seller)
        # Only the id, status and headers of the answer are stored (no personal data).
        return cmd.created(
            seller.id,
            view.model_dump(mode="json"),
            headers={"Location": f"/sellers/{seller.id}", "ETag": etag(seller.version)},
        )


@router.get("/sellers", response_model=SellerPage, summary="Sellers the caller manages or oversees")
async def list_sellers(
    principal: access.Reader,
    pool: Pool,
    kim_id: Annotated[UUID | None, Query(description="Only sellers this KIM assists.")] = None,
    region: Annotated[
        str | None,
        Query(
            pattern=REGION_CODE,
            max_length=13,
            description="A region at any level (kecamatan, village, ...).",
        ),
    ] = None,
    verified: Annotated[
        bool | None, Query(description="true: a verified, valid NIB; false: none.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9_-]{1,300}$", description="`next_cursor` of the last page."),
    ] = None,
) -> SellerPage:
    """Newest first. A pelaku UMKM sees the seller it owns, officers of an aktif KIM the
    sellers their KIM assists, operators their kabupaten's (a token with several roles, all
    of these). Filters narrow that set: one outside it selects nothing."""
    after = SellerCursor.decode(cursor) if cursor is not None else None
    flt = SellerFilter(kim_id, region, verified)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        scope = await queries.scope_of(conn, principal, today())
        rows = await queries.page(conn, scope, flt, after=after, limit=limit + 1)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = SellerCursor(shown[-1].created_at, shown[-1].id).encode()
    return SellerPage(items=[seller_summary(r) for r in shown], next_cursor=next_cursor)


@router.get("/sellers/{seller_id:uuid}", response_model=SellerView, summary="One seller")
async def get_seller(seller_id: UUID, principal: access.Reader, pool: Pool) -> Response:
    """Its owner, officers of its assisting KIM and operators of its kabupaten."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        seller = await handlers.load(conn, seller_id)
        await access.ensure_reads(conn, principal, seller)
        return await _respond(conn, seller)


@router.put(
    "/sellers/{seller_id:uuid}", response_model=SellerView, summary="Change a seller's profile"
)
async def update_seller(
    seller_id: UUID,
    body: SellerProfile,
    principal: access.Manager,
    expected: IfMatchRequired,
    pool: Pool,
    source: Source,
) -> Response:
    """The owner or an officer of the assisting KIM; a changed licence is verified again."""
    async with pool.acquire() as conn, conn.transaction():
        seller = await handlers.update(conn, source, principal, seller_id, expected, body, _now())
        return await _respond(conn, seller)


@router.post(
    "/sellers/{seller_id:uuid}/verifications",
    response_model=SellerView,
    summary="Verify or refuse one of a seller's licences",
)
async def verify_licence(
    seller_id: UUID, body: Verification, principal: access.Operator, pool: Pool, source: Source
) -> Response:
    """Operators of the seller's kabupaten (others: 404)."""
    async with pool.acquire() as conn, conn.transaction():
        seller = await handlers.verify(conn, source, principal, seller_id, body, _now())
        return await _respond(conn, seller)
