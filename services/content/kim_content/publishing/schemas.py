"""Response bodies of the public read API (published content only; never an author)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_shared.events.types.content import Category

REGION_CODE = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
"""A Kemendagri region code at any level (provinsi to desa/kelurahan)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PublicImage(_Out):
    url: str
    alt: str


class PublicMedia(_Out):
    url: str
    caption: str | None = None
    alt: str


class PublicAgenda(_Out):
    date: date
    place: str


class PlaceName(_Out):
    """A region with its name as the registry publishes it (``None`` until projected)."""

    code: str
    name: str | None = None
    type: str | None = None


class PublicKim(_Out):
    id: UUID
    name: str | None = None


class PublicArticleSummary(_Out):
    """One published article in a listing or a search result."""

    id: UUID
    title: str
    summary: str
    category: Category
    category_label: str
    village: PlaceName
    kim: PublicKim
    cover: PublicImage | None = None
    published_at: datetime
    url: str
    score: float | None = Field(default=None, description="Search relevance (search only).")


class PublicArticlePage(_Out):
    items: list[PublicArticleSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next (older) page."
    )


class PublicArticle(_Out):
    """A published version of an article, rendered: the body is sanitised HTML."""

    id: UUID
    revision: int = Field(description="Number of the revision shown.")
    current: bool = Field(description="Whether this is the version published now.")
    title: str
    summary: str
    body_html: str
    category: Category
    category_label: str
    tags: list[str]
    village: PlaceName
    kecamatan: PlaceName
    kabupaten: PlaceName
    kim: PublicKim
    cover: PublicImage | None = None
    media: list[PublicMedia]
    agenda: PublicAgenda | None = None
    first_published_at: datetime | None = None
    published_at: datetime | None = None
    url: str


class PublicSearchResults(_Out):
    query: str
    items: list[PublicArticleSummary]
