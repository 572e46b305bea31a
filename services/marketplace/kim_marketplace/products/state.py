"""The public state of listings on the compacted state topic (DESIGN §3).

A snapshot is staged, in the caller's transaction, whenever a listing's public state
changes: it goes live, a live listing is edited (price and stock changes too), it leaves the
catalogue for moderation again, it is rejected, or its seller's badges or region change.
Only public fields: never the owner's name, phone or address, nor licence numbers.
"""

from __future__ import annotations

from datetime import datetime

from kim_marketplace.products import repository as repo
from kim_marketplace.products.domain import Status, final_price
from kim_marketplace.products.repository import ProductRow
from kim_marketplace.sellers import repository as sellers
from kim_marketplace.sellers.domain import effective_status
from kim_marketplace.sellers.repository import SellerRow
from kim_shared import clock, outbox
from kim_shared.db import Connection
from kim_shared.events.types.marketplace import ListingStateChanged, ListingStatus
from kim_shared.outbox import EventSource

_PUBLIC: dict[Status, ListingStatus] = {
    "live": "live",
    "in_review": "in_review",
    "rejected": "rejected",
}


def changes_public_state(before: Status | None, after: Status) -> bool:
    """Whether going from ``before`` to ``after`` is worth a snapshot: the listing is or was
    live or rejected, and it is still live (an edit) or its status changed."""
    shown = ("live", "rejected")
    if before not in shown and after not in shown:
        return False
    return before != after or after == "live"


async def stage_listing_state(
    conn: Connection, source: EventSource, product: ProductRow, seller: SellerRow, now: datetime
) -> None:
    """Stage the listing's public state with the next sequence."""
    status = _PUBLIC.get(product.status)
    if status is None:  # a draft is never public
        return
    sequence = await repo.next_state_sequence(conn, product.id)
    today = clock.today(now)
    valid = {
        lic.document
        for lic in await sellers.licences(conn, seller.id)
        if effective_status(lic.status, lic.expires_on, today) == "terverifikasi"
    }
    live = status == "live"
    await outbox.add(
        conn,
        ListingStateChanged(
            listing_id=product.id,
            sequence=sequence,
            status=status,
            seller_id=seller.id,
            kim_id=seller.kim_id,
            village_code=seller.village_code,
            kecamatan_code=seller.kecamatan_code,
            kabupaten_code=seller.kabupaten_code,
            category=product.category,
            name=product.name if live else None,
            unit=product.unit if live else None,
            price_rupiah=product.price_rupiah if live else None,
            final_price_rupiah=(
                final_price(product.price_rupiah, product.discount_kind, product.discount_value)
                if live
                else None
            ),
            verified="nib" in valid,
            halal="halal" in valid,
            published_at=product.published_at,
            changed_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )


async def stage_seller_listings(
    conn: Connection, source: EventSource, seller: SellerRow, now: datetime
) -> None:
    """A seller's badges, KIM or region changed: a new snapshot of each of its live
    listings."""
    for product in await repo.of_seller(conn, seller.id):
        if product.status == "live":
            await stage_listing_state(conn, source, product, seller, now)
