"""Commands on products and the moderation decisions about their listings.

A product goes live only after content approved its current revision (DESIGN §2, flow 3):
submitting stages ``ListingSubmitted``; ``ModerationDecided`` (subject type listing) comes
back through :func:`on_decision`. A change of name, description or photos after submission
is a new revision, screened again (the listing leaves the catalogue until approved); price,
discount and stock changes are not screened. Decisions about an older revision are ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from kim_marketplace import access
from kim_marketplace.catalogue.index import index_listing
from kim_marketplace.products import repository as repo
from kim_marketplace.products.domain import Status, check_discount
from kim_marketplace.products.repository import Fields, ProductRow
from kim_marketplace.products.schemas import ProductContent
from kim_marketplace.products.state import changes_public_state, stage_listing_state
from kim_marketplace.sellers import repository as sellers
from kim_marketplace.sellers.repository import SellerRow
from kim_shared import outbox
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Invalid, NotFound, ensure_version
from kim_shared.events.types.activity import ListingPublished
from kim_shared.events.types.content import ModerationDecided
from kim_shared.events.types.marketplace import ListingRejected, ListingSubmitted
from kim_shared.outbox import EventSource

PRODUCT_NOT_FOUND = "The product was not found."


def _fields(body: ProductContent, max_photos: int) -> Fields:
    if len(body.photo_urls) > max_photos:
        raise Invalid(f"A product has at most {max_photos} photos.", field="body.photo_urls")
    kind = body.discount.kind if body.discount is not None else None
    value = body.discount.value if body.discount is not None else None
    check_discount(body.price_rupiah, kind, value)
    return Fields(
        name=body.name,
        description=body.description,
        category=body.category,
        price_rupiah=body.price_rupiah,
        unit=body.unit,
        discount_kind=kind,
        discount_value=value,
        stock=body.stock,
        photo_urls=[str(u) for u in body.photo_urls],
        weight_grams=body.weight_grams,
        needs_pirt=body.needs_pirt,
        needs_halal=body.needs_halal,
    )


async def _seller(conn: Connection, seller_id: UUID) -> SellerRow:
    seller = await sellers.get(conn, seller_id)
    if seller is None:
        raise NotFound(access.SELLER_NOT_FOUND)
    return seller


async def load(conn: Connection, product_id: UUID, *, lock: bool = False) -> ProductRow:
    product = await repo.get(conn, product_id, lock=lock)
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    return product


async def managed(
    conn: Connection, principal: Principal, product_id: UUID, *, lock: bool = False
) -> tuple[ProductRow, SellerRow]:
    """The product and its seller if the caller manages the seller (404 otherwise)."""
    product = await load(conn, product_id, lock=lock)
    seller = await _seller(conn, product.seller_id)
    if not await access.manages(conn, principal, seller):
        raise NotFound(PRODUCT_NOT_FOUND)
    return product, seller


async def create(
    conn: Connection,
    principal: Principal,
    seller_id: UUID,
    body: ProductContent,
    *,
    max_photos: int,
    now: datetime,
) -> ProductRow:
    """A draft product of a seller the caller manages (revision 1, not yet submitted)."""
    seller = await _seller(conn, seller_id)
    await access.ensure_manages(conn, principal, seller)
    return await repo.insert(conn, uuid.uuid4(), seller.id, _fields(body, max_photos), now)


def _screened_changed(product: ProductRow, fields: Fields) -> bool:
    return (product.name, product.description, product.photo_urls) != (
        fields.name,
        fields.description,
        fields.photo_urls,
    )


async def update(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    product_id: UUID,
    expected: Collection[int],
    body: ProductContent,
    *,
    max_photos: int,
    now: datetime,
) -> ProductRow:
    """Change a product. New text or photos of a submitted, live or rejected listing are a
    new revision submitted again; price, discount and stock changes keep the status."""
    product, seller = await managed(conn, principal, product_id, lock=True)
    ensure_version(product.version, expected, "product")
    fields = _fields(body, max_photos)
    status: Status = product.status
    revision = product.revision
    rescreen = product.status != "draft" and _screened_changed(product, fields)
    if rescreen:
        status, revision = "in_review", product.revision + 1
    updated = await repo.update(conn, product.id, fields, status=status, revision=revision, now=now)
    if updated.status == "live":
        await _index(conn, updated)
    if rescreen:
        await _stage_submitted(conn, source, updated, seller, now)
    if changes_public_state(product.status, updated.status):
        await stage_listing_state(conn, source, updated, seller, now)
    return updated


async def submit(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    product_id: UUID,
    expected: Collection[int] | None,
    now: datetime,
) -> ProductRow:
    """Send a draft (or a rejected listing, as a new revision) to moderation."""
    product, seller = await managed(conn, principal, product_id, lock=True)
    ensure_version(product.version, expected, "product")
    if product.status not in ("draft", "rejected"):
        raise Conflict(
            f"The listing is {product.status}: only a draft or rejected one can be submitted.",
            slug="invalid-transition",
        )
    revision = product.revision if product.status == "draft" else product.revision + 1
    updated = await repo.set_status(
        conn, product.id, status="in_review", revision=revision, reason_code=None, now=now
    )
    await _stage_submitted(conn, source, updated, seller, now)
    if changes_public_state(product.status, updated.status):
        await stage_listing_state(conn, source, updated, seller, now)
    return updated


async def _stage_submitted(
    conn: Connection, source: EventSource, product: ProductRow, seller: SellerRow, now: datetime
) -> None:
    await outbox.add(
        conn,
        ListingSubmitted(
            listing_id=product.id,
            revision=product.revision,
            seller_id=seller.id,
            kim_id=seller.kim_id,
            village_code=seller.village_code,
            kabupaten_code=seller.kabupaten_code,
            title=product.name,
            description=product.description,
            photo_urls=product.photo_urls,
            price_rupiah=product.price_rupiah,
            submitted_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )


async def _index(conn: Connection, product: ProductRow) -> None:
    await index_listing(
        conn,
        product.id,
        name=product.name,
        description=product.description,
        category=product.category,
    )


async def on_decision(
    conn: Connection, source: EventSource, event: ModerationDecided, now: datetime
) -> None:
    """Publish or reject the listing revision moderation decided about.

    Decisions about articles, unknown listings, another revision or a listing no longer in
    review are ignored (a newer revision is being screened; its decision will follow).
    """
    if event.subject_type != "listing":
        return
    product = await repo.get(conn, event.subject_id, lock=True)
    if product is None or product.status != "in_review":
        return
    if product.revision != event.subject_revision:
        return
    seller = await _seller(conn, product.seller_id)
    if event.decision == "approved":
        live = await repo.publish(conn, product.id, now)
        await _index(conn, live)
        await stage_listing_state(conn, source, live, seller, now)
        if seller.kim_id is not None:
            await outbox.add(
                conn,
                ListingPublished(
                    listing_id=live.id,
                    seller_id=seller.id,
                    kim_id=seller.kim_id,
                    village_code=seller.village_code,
                    published_at=now,
                ),
                source,
                kabupaten=seller.kabupaten_code,
            )
        return
    rejected = await repo.set_status(
        conn,
        product.id,
        status="rejected",
        revision=product.revision,
        reason_code=event.reason_code,
        now=now,
    )
    await stage_listing_state(conn, source, rejected, seller, now)
    await outbox.add(
        conn,
        ListingRejected(
            listing_id=product.id,
            revision=product.revision,
            seller_id=seller.id,
            kabupaten_code=seller.kabupaten_code,
            reason_code=event.reason_code,
            rejected_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
