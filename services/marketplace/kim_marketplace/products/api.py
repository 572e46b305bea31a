"""HTTP routes of products: write, change, submit for moderation, read (managers only)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Request, Response

from kim_marketplace import access
from kim_marketplace.products import handlers
from kim_marketplace.products import repository as repo
from kim_marketplace.products.schemas import ProductContent, ProductView
from kim_marketplace.products.views import product_view
from kim_marketplace.sellers import handlers as sellers
from kim_marketplace.settings import MarketplaceSettings
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchOptional, IfMatchRequired, etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Runtime, Source, get_runtime

router = APIRouter(tags=["products"])


def _now() -> datetime:
    return datetime.now(UTC)


def _max_photos(request: Request) -> int:
    runtime: Runtime = get_runtime(request)
    settings = runtime.settings
    assert isinstance(settings, MarketplaceSettings)
    return settings.max_photos


@router.post(
    "/sellers/{seller_id:uuid}/products",
    status_code=201,
    response_model=ProductView,
    summary="Add a product (a draft listing)",
)
async def create_product(
    request: Request,
    seller_id: UUID,
    body: ProductContent,
    principal: access.Manager,
    pool: Pool,
    key: IdempotencyKey = None,
) -> Response:
    """The seller's owner or an officer of its assisting KIM (others: 404)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            product = await handlers.create(
                cmd.conn,
                principal,
                seller_id,
                body,
                max_photos=_max_photos(request),
                now=_now(),
            )
        else:
            product = await handlers.load(cmd.conn, UUID(cmd.existing))
        return cmd.created(
            product.id,
            product_view(product).model_dump(mode="json"),
            headers={"Location": f"/products/{product.id}", "ETag": etag(product.version)},
        )


@router.get(
    "/sellers/{seller_id:uuid}/products",
    response_model=list[ProductView],
    summary="A seller's products, newest first",
)
async def list_products(seller_id: UUID, principal: access.Reader, pool: Pool) -> list[ProductView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        seller = await sellers.load(conn, seller_id)
        await access.ensure_reads(conn, principal, seller)
        return [product_view(p) for p in await repo.of_seller(conn, seller.id)]


@router.get("/products/{product_id:uuid}", response_model=ProductView, summary="One product")
async def get_product(product_id: UUID, principal: access.Manager, pool: Pool) -> Response:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        product, _ = await handlers.managed(conn, principal, product_id)
        return with_etag(product_view(product), product.version)


@router.put(
    "/products/{product_id:uuid}",
    response_model=ProductView,
    summary="Change a product (new text or photos are screened again)",
)
async def update_product(
    request: Request,
    product_id: UUID,
    body: ProductContent,
    principal: access.Manager,
    expected: IfMatchRequired,
    pool: Pool,
    source: Source,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        product = await handlers.update(
            conn,
            source,
            principal,
            product_id,
            expected,
            body,
            max_photos=_max_photos(request),
            now=_now(),
        )
        return with_etag(product_view(product), product.version)


@router.post(
    "/products/{product_id:uuid}/submit",
    response_model=ProductView,
    summary="Submit the listing for moderation",
)
async def submit_product(
    product_id: UUID,
    principal: access.Manager,
    expected: IfMatchOptional,
    pool: Pool,
    source: Source,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        product = await handlers.submit(conn, source, principal, product_id, expected, _now())
        return with_etag(product_view(product), product.version)
