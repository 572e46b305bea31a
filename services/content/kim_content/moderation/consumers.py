"""Consumers of the content service's moderation: marketplace listings to screen."""

from __future__ import annotations

from datetime import UTC, datetime

from kim_content.moderation.listings import on_listing_submitted
from kim_shared.db import Connection
from kim_shared.events.types.marketplace import ListingSubmitted
from kim_shared.inbox.consumer import EventMeta
from kim_shared.outbox import EventSource
from kim_shared.service import ConsumerSpec

SOURCE = EventSource("content")


async def listing_submitted(conn: Connection, event: ListingSubmitted, meta: EventMeta) -> None:
    del meta
    await on_listing_submitted(conn, event, source=SOURCE, now=datetime.now(UTC))


LISTING_MODERATION = ConsumerSpec(
    name="content.listing-moderation",
    handlers={ListingSubmitted: listing_submitted},
    description=(
        "Screens each submitted marketplace listing revision with its kabupaten's policy: "
        "clean → approved, block → rejected with a reason code (ModerationDecided, subject "
        "type listing, automatic), flag/review → a moderation case with a 24 h deadline. "
        "An older revision arriving after a newer one is ignored."
    ),
)

CONSUMERS: tuple[ConsumerSpec, ...] = (LISTING_MODERATION,)
