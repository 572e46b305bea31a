"""Events published by the marketplace service.

``ListingSubmitted`` was declared ahead of the marketplace from what content's moderation
pipeline needs (DESIGN §2, flow 3): a listing's public text and photos, never the seller's
personal data. Seller events carry ids, region codes, the category, the public business name
(state topic only) and verification statuses: never the owner's name, phone or address, nor
licence numbers or an operator's note. Order events carry products, quantities and
Rupiah totals, never the buyer (no subject, name, phone or note); ``OrderCompleted`` is the
registry's activity fact and lives in ``activity``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_shared.events.base import Event
from kim_shared.events.topics import (
    MARKETPLACE_LISTING,
    MARKETPLACE_LISTING_STATE,
    MARKETPLACE_ORDER,
    MARKETPLACE_SELLER,
    MARKETPLACE_SELLER_STATE,
    TopicSpec,
)

DocumentKind = Literal["nib", "pirt", "halal", "bpom"]
"""A seller's licence: NIB (Nomor Induk Berusaha), SPP-IRT/PIRT, halal certificate, BPOM."""
VerificationStatus = Literal["belum_diverifikasi", "terverifikasi", "ditolak", "kedaluwarsa"]
ListingStatus = Literal["live", "in_review", "rejected", "withdrawn"]
"""A listing's public status: in the catalogue, back in moderation after an edit, rejected by
moderation, or taken out of the catalogue by its seller."""


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


class ListingRejected(Event):
    """Moderation rejected a listing revision (a reason code, never the moderator's text)."""

    event_type: ClassVar[str] = "kim.marketplace.listing.rejected.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_LISTING
    subject_field: ClassVar[str] = "listing_id"

    listing_id: UUID
    revision: int = Field(ge=1)
    seller_id: UUID
    kabupaten_code: str
    reason_code: str | None = None
    rejected_at: datetime


class ListingStateChanged(Event):
    """The current public state of a listing (compacted state topic; latest wins).

    ``sequence`` grows with every snapshot of the listing; a projection keeps the highest.
    Name and prices are present only while the listing is live. ``verified`` is a valid
    verified NIB of the seller, ``halal`` a valid verified halal certificate. Stock is not part
    of the state (it changes with every order; the catalogue API shows it).
    """

    event_type: ClassVar[str] = "kim.marketplace.listing_state.changed.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_LISTING_STATE
    subject_field: ClassVar[str] = "listing_id"

    listing_id: UUID
    sequence: int = Field(ge=1)
    status: ListingStatus
    seller_id: UUID
    kim_id: UUID | None = None
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    category: str
    name: str | None = None
    unit: str | None = None
    price_rupiah: int | None = Field(default=None, ge=0)
    final_price_rupiah: int | None = Field(default=None, ge=0)
    verified: bool = False
    halal: bool = False
    published_at: datetime | None = None
    changed_at: datetime


class SellerRegistered(Event):
    """A UMKM seller (pelaku UMKM) registered; no owner data."""

    event_type: ClassVar[str] = "kim.marketplace.seller.registered.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_SELLER
    subject_field: ClassVar[str] = "seller_id"

    seller_id: UUID
    kim_id: UUID | None = None
    village_code: str
    kabupaten_code: str
    business_category: str
    registered_at: datetime


class SellerVerified(Event):
    """An operator of the seller's kabupaten set the verification status of one licence
    (no licence number, no operator identity, no note)."""

    event_type: ClassVar[str] = "kim.marketplace.seller.verified.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_SELLER
    subject_field: ClassVar[str] = "seller_id"

    seller_id: UUID
    kabupaten_code: str
    document: DocumentKind
    status: VerificationStatus
    expires_on: date | None = None
    verified_at: datetime


class SellerLicenceExpired(Event):
    """A verified licence passed its expiry date (WIB) and is now ``kedaluwarsa``: its badge
    is off (no licence number)."""

    event_type: ClassVar[str] = "kim.marketplace.seller.licence_expired.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_SELLER
    subject_field: ClassVar[str] = "seller_id"

    seller_id: UUID
    kabupaten_code: str
    document: DocumentKind
    expired_on: date
    recorded_at: datetime


class SellerBadge(BaseModel):
    """The verification status of one licence the seller declared (no number)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    document: DocumentKind
    status: VerificationStatus
    expires_on: date | None = None


class SellerStateChanged(Event):
    """The current public state of a seller (compacted state topic; one record rebuilds it)."""

    event_type: ClassVar[str] = "kim.marketplace.seller_state.changed.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_SELLER_STATE
    subject_field: ClassVar[str] = "seller_id"

    seller_id: UUID
    revision: int = Field(ge=1)
    business_name: str
    business_category: str
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    kim_id: UUID | None = None
    badges: list[SellerBadge] = Field(default_factory=list)
    changed_at: datetime


class OrderItem(BaseModel):
    """One line of an order: a product, how many, and its total in whole Rupiah."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: UUID
    quantity: int = Field(ge=1)
    line_total_rupiah: int = Field(ge=0)


class OrderPlaced(Event):
    """A buyer ordered live products of one seller; their stock is reserved (no buyer data)."""

    event_type: ClassVar[str] = "kim.marketplace.order.placed.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_ORDER
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    seller_id: UUID
    kim_id: UUID | None = None
    kabupaten_code: str
    items: list[OrderItem]
    total_rupiah: int = Field(ge=0)
    fulfilment: Literal["pickup", "delivery"]
    placed_at: datetime
    expires_at: datetime


class OrderConfirmed(Event):
    """The seller (its owner or an officer of its KIM) confirmed an order."""

    event_type: ClassVar[str] = "kim.marketplace.order.confirmed.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_ORDER
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    seller_id: UUID
    kabupaten_code: str
    confirmed_at: datetime


class OrderCancelled(Event):
    """The buyer (before confirmation) or the seller cancelled an order; stock came back."""

    event_type: ClassVar[str] = "kim.marketplace.order.cancelled.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_ORDER
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    seller_id: UUID
    kabupaten_code: str
    cancelled_by: Literal["buyer", "seller"]
    cancelled_at: datetime


class OrderExpired(Event):
    """An order the seller did not confirm in time expired; stock came back."""

    event_type: ClassVar[str] = "kim.marketplace.order.expired.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_ORDER
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    seller_id: UUID
    kabupaten_code: str
    expired_at: datetime


MARKETPLACE_EVENTS: tuple[type[Event], ...] = (
    ListingSubmitted,
    ListingRejected,
    ListingStateChanged,
    SellerRegistered,
    SellerVerified,
    SellerLicenceExpired,
    SellerStateChanged,
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    OrderExpired,
)
