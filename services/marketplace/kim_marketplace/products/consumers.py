"""Consumers of the marketplace: content's moderation decisions about listings."""

from __future__ import annotations

from datetime import UTC, datetime

from kim_marketplace.products.handlers import on_decision
from kim_shared.db import Connection
from kim_shared.events.types.content import ModerationDecided
from kim_shared.inbox.consumer import EventMeta
from kim_shared.outbox import EventSource
from kim_shared.service import ConsumerSpec

SOURCE = EventSource("marketplace")


async def moderation_decided(conn: Connection, event: ModerationDecided, meta: EventMeta) -> None:
    del meta
    await on_decision(conn, SOURCE, event, datetime.now(UTC))


LISTING_DECISIONS = ConsumerSpec(
    name="marketplace.listing-decisions",
    handlers={ModerationDecided: moderation_decided},
    description=(
        "Publishes or rejects a listing when content's moderation decides about its current "
        "revision (ModerationDecided, subject type listing): approved → live (and the "
        "activity fact ListingPublished for KIM-assisted sellers), rejected → the reason "
        "code shown to the seller (ListingRejected). Decisions about articles or an older "
        "revision are ignored."
    ),
)

CONSUMERS: tuple[ConsumerSpec, ...] = (LISTING_DECISIONS,)
