"""Activity facts other services publish about KIM (consumed by the registry's evaluation).

Declared here from the registry's needs; the content, marketplace and
mentoring services publish them from their own aggregates.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from kim_shared.events.base import Event
from kim_shared.events.topics import (
    CONTENT_ARTICLE,
    MARKETPLACE_LISTING,
    MARKETPLACE_ORDER,
    MENTORING_REQUEST,
    MENTORING_TRAINING,
    TopicSpec,
)


class ArticlePublished(Event):
    """An article (berita desa) written for a KIM passed moderation and was published."""

    event_type: ClassVar[str] = "kim.content.article.published.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    village_code: str
    title: str
    published_at: datetime
    revision: int | None = None


class ArticleRejected(Event):
    """An article was rejected by moderation."""

    event_type: ClassVar[str] = "kim.content.article.rejected.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    reason_code: str
    rejected_at: datetime
    revision: int | None = None


class ListingPublished(Event):
    """A UMKM product listing promoted by a KIM went live after moderation."""

    event_type: ClassVar[str] = "kim.marketplace.listing.published.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_LISTING
    subject_field: ClassVar[str] = "listing_id"

    listing_id: UUID
    seller_id: UUID
    kim_id: UUID | None = None
    village_code: str
    published_at: datetime


class OrderCompleted(Event):
    """An order for a UMKM product was completed (no buyer data)."""

    event_type: ClassVar[str] = "kim.marketplace.order.completed.v1"
    topic: ClassVar[TopicSpec] = MARKETPLACE_ORDER
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    listing_id: UUID
    kim_id: UUID | None = None
    completed_at: datetime


class TrainingAttended(Event):
    """A KIM member attended a training (diklat) session."""

    event_type: ClassVar[str] = "kim.mentoring.training.attended.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    kim_id: UUID
    member_id: UUID | None = None
    attended_at: datetime


class HelpRequestResolved(Event):
    """A KIM's help request to Diskominfo experts was resolved."""

    event_type: ClassVar[str] = "kim.mentoring.request.resolved.v1"
    topic: ClassVar[TopicSpec] = MENTORING_REQUEST
    subject_field: ClassVar[str] = "request_id"

    request_id: UUID
    kim_id: UUID
    resolved_at: datetime


ACTIVITY_EVENTS: tuple[type[Event], ...] = (
    ArticlePublished,
    ArticleRejected,
    ListingPublished,
    OrderCompleted,
    TrainingAttended,
    HelpRequestResolved,
)
