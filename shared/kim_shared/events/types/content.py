"""Events published by the content service (articles and moderation decisions).

The registry's activity facts (``ArticlePublished``, ``ArticleRejected``) are declared
in :mod:`kim_shared.events.types.activity` and keep their contract; the rest of an
article's workflow is here. No event carries an author's name, NIK or phone: the
author is the KIM.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from kim_shared.events.base import Event
from kim_shared.events.topics import (
    CONTENT_ARTICLE,
    CONTENT_ARTICLE_STATE,
    CONTENT_MODERATION,
    TopicSpec,
)

Category = Literal["kegiatan_desa", "kebijakan_pengumuman", "umkm", "potensi_desa", "agenda"]
"""kegiatan desa, kebijakan/pengumuman, UMKM, potensi desa, agenda (with date and place)."""

ReasonCode = Literal[
    "hoaks",
    "sara",
    "judi_pinjol",
    "data_pribadi",
    "anak",
    "tidak_relevan",
    "kualitas",
    "spam",
    "permintaan_kim",
]
"""Why moderation rejected, hid or took something down (a closed list): hoaks, SARA,
judi online/pinjol ilegal, personal data, children without consent, not relevant, quality,
spam, at the KIM's own request."""

Verdict = Literal["clean", "flag", "review", "block"]
"""Automatic screening's outcome, weakest to strongest."""

ApprovedBy = Literal["moderator", "trusted_author"]

PublicStatus = Literal["published", "hidden", "taken_down"]


class ArticleSubmitted(Event):
    """An author submitted a revision of an article for publication."""

    event_type: ClassVar[str] = "kim.content.article.submitted.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    kabupaten_code: str
    village_code: str
    category: Category
    revision: int = Field(ge=1)
    submitted_at: datetime


class ArticleScreened(Event):
    """Automatic screening of a submitted revision finished (rule ids only, no matched text)."""

    event_type: ClassVar[str] = "kim.content.article.screened.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    revision: int = Field(ge=1)
    verdict: Verdict
    rules_hit: list[str] = Field(default_factory=list)
    screened_at: datetime


class ArticleApproved(Event):
    """A revision was approved for publication (now, or at ``scheduled_for``)."""

    event_type: ClassVar[str] = "kim.content.article.approved.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    revision: int = Field(ge=1)
    approved_by: ApprovedBy
    scheduled_for: datetime | None = None
    approved_at: datetime


class ArticleTakenDown(Event):
    """A published article was taken down by moderation."""

    event_type: ClassVar[str] = "kim.content.article.taken_down.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    reason_code: ReasonCode
    taken_down_at: datetime


class ArticleRestored(Event):
    """A taken-down or hidden article is public again."""

    event_type: ClassVar[str] = "kim.content.article.restored.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    kim_id: UUID
    restored_at: datetime


class ArticleStateChanged(Event):
    """The public state of an article that has been published (compacted: latest wins).

    ``sequence`` grows with every snapshot of the article; a projection keeps the highest.
    A hidden or taken-down article keeps its identity and region but no title or summary.
    """

    event_type: ClassVar[str] = "kim.content.article_state.changed.v1"
    topic: ClassVar[TopicSpec] = CONTENT_ARTICLE_STATE
    subject_field: ClassVar[str] = "article_id"

    article_id: UUID
    sequence: int = Field(ge=1)
    status: PublicStatus
    kim_id: UUID
    kabupaten_code: str
    kecamatan_code: str
    village_code: str
    category: Category
    published_revision: int = Field(ge=1)
    title: str | None = None
    summary: str | None = None
    tags: list[str] = Field(default_factory=list)
    agenda_date: date | None = None
    first_published_at: datetime
    changed_at: datetime


class ModerationDecided(Event):
    """Moderation decided about an article or a marketplace listing (no moderator identity)."""

    event_type: ClassVar[str] = "kim.content.moderation.decided.v1"
    topic: ClassVar[TopicSpec] = CONTENT_MODERATION
    subject_field: ClassVar[str] = "subject_id"

    subject_type: Literal["article", "listing"]
    subject_id: UUID
    subject_revision: int = Field(ge=1)
    kabupaten_code: str
    decision: Literal["approved", "rejected"]
    reason_code: ReasonCode | None = None
    automatic: bool
    decided_at: datetime


CONTENT_EVENTS: tuple[type[Event], ...] = (
    ArticleSubmitted,
    ArticleScreened,
    ArticleApproved,
    ArticleTakenDown,
    ArticleRestored,
    ArticleStateChanged,
    ModerationDecided,
)
