"""Events published by the marketplace service that other services consume.

Declared ahead of the marketplace from what content's moderation pipeline needs
(DESIGN §2, flow 3): a listing's public text and photos, never the seller's personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kim_shared.events.base import Event
from kim_shared.events.topics import MARKETPLACE_LISTING, TopicSpec


class ListingSubmitted(Event):
    """A seller submitted a revision of a product listing for moderation."""

    event_type: ClassVar[str] = "kim.marketplace.listing.submitted.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_LISTING
    subject_field: ClassVar[str] = "listing_id"

    listing_id: UUID
    revision: int = Field(ge=1)
    seller_id: UUID
    kim_id: UUID | None = None
    village_code: str
    kabupaten_code: str
    title: str
    description: str
    photo_urls: list[str] = Field(default_factory=list)
    price_rupiah: int = Field(ge=0)
    submitted_at: datetime


MARKETPLACE_EVENTS: tuple[type[Event], ...] = (ListingSubmitted,)
