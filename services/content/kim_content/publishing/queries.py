"""Reads of published articles for the public API, search and feeds.

Only what is public: ``status = 'published' AND NOT hidden`` (the partial indexes of
``0001_articles.sql`` carry the same predicate). Every statement is fixed and named;
optional filters are ``$n IS NULL OR …`` so one statement serves every combination.
A region filter takes a code at any level (Kemendagri codes are hierarchical:
``35.02.01.2001`` lies in ``35.02.01`` in ``35.02``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from kim_shared import pagination as cursor
from kim_shared.db import Connection, from_record

_PUBLIC = "a.status = 'published' AND NOT a.hidden"
_IN_REGION = "($1::text IS NULL OR a.village_code = $1 OR a.village_code LIKE $1 || '.%')"
_IN_CATEGORY = "($2::text IS NULL OR a.category = $2)"
_COLUMNS = """
    a.id, a.kim_id, a.village_code, a.category, a.published_at, a.updated_at,
    r.title, r.body, r.cover, r.tags,
    v.name AS village_name, v.type AS village_type, k.name AS kim_name"""
_FROM = """
FROM articles a
JOIN article_revisions r ON r.article_id = a.id AND r.number = a.published_revision
LEFT JOIN region_projection v ON v.code = a.village_code
LEFT JOIN kim_projection k ON k.kim_id = a.kim_id"""

LIST_PUBLISHED = f"""
SELECT {_COLUMNS}, NULL::float8 AS score
{_FROM}
WHERE {_PUBLIC} AND {_IN_REGION} AND {_IN_CATEGORY}
  AND ($3::text IS NULL OR EXISTS (
        SELECT 1 FROM unnest(r.tags) AS tag WHERE lower(tag) = lower($3)))
  AND ($4::timestamptz IS NULL OR (a.published_at, a.id) < ($4, $5::uuid))
ORDER BY a.published_at DESC, a.id DESC
LIMIT $6
"""

# Relevance: full-text rank of the Sastrawi-stemmed document plus the trigram word
# similarity of the title (which finds misspellings), weighted by recency: an article
# keeps at least half its score, and half again decays over about a month.
SEARCH_PUBLISHED = f"""
SELECT {_COLUMNS},
    (ts_rank(a.search_document, q.query)::float8
     + word_similarity($4, coalesce(a.search_title, ''))::float8)
    * (0.5 + 0.5 / (1 + extract(epoch FROM (now() - a.published_at)) / 2592000.0))::float8
    AS score
{_FROM}
CROSS JOIN websearch_to_tsquery('simple', $3) AS q(query)
WHERE {_PUBLIC} AND {_IN_REGION} AND {_IN_CATEGORY}
  AND (a.search_document @@ q.query OR ($4 <> '' AND $4 <% a.search_title))
ORDER BY score DESC, a.published_at DESC, a.id DESC
LIMIT $5
"""

# What a feed's validators are built from: every article of the region (and category)
# that was ever public, so that a takedown, a hide or a new revision changes them.
FEED_STATE = f"""
SELECT max(a.updated_at) AS last_modified,
       count(*) FILTER (WHERE {_PUBLIC}) AS published
FROM articles a
WHERE a.published_revision IS NOT NULL AND {_IN_REGION} AND {_IN_CATEGORY}
"""

PUBLISHED_VERSION = """
SELECT a.id, a.kim_id, a.published_revision, a.first_published_at, a.published_at,
       r.number, r.title, r.body, r.category, r.village_code, r.agenda_date, r.agenda_place,
       r.cover, r.media, r.tags, k.name AS kim_name,
       (SELECT max(t.at) FROM article_transitions t
         WHERE t.article_id = a.id AND t.revision = r.number AND t.to_status = 'published'
       ) AS version_published_at
FROM articles a
JOIN article_revisions r ON r.article_id = a.id AND r.number = coalesce($2, a.published_revision)
LEFT JOIN kim_projection k ON k.kim_id = a.kim_id
WHERE a.id = $1 AND a.status = 'published' AND NOT a.hidden
  AND (r.number = a.published_revision OR EXISTS (
        SELECT 1 FROM article_transitions t
        WHERE t.article_id = a.id AND t.revision = r.number AND t.to_status = 'published'))
"""


@dataclass(frozen=True, slots=True)
class PublishedRow:
    """A public article in a listing: its published revision's title, body and cover."""

    id: UUID
    kim_id: UUID
    village_code: str
    category: str
    published_at: datetime
    updated_at: datetime
    title: str
    body: str
    cover: dict[str, Any] | None
    tags: list[str]
    village_name: str | None
    village_type: str | None
    kim_name: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One published version (revision) of a public article."""

    id: UUID
    kim_id: UUID
    published_revision: int
    first_published_at: datetime | None
    published_at: datetime | None
    number: int
    title: str
    body: str
    category: str
    village_code: str
    agenda_date: date | None
    agenda_place: str | None
    cover: dict[str, Any] | None
    media: list[dict[str, Any]]
    tags: list[str]
    kim_name: str | None
    version_published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of a listing ends (newest first): the last item's time and id."""

    published_at: datetime
    id: UUID

    def encode(self) -> str:
        return cursor.encode(self.published_at, self.id)

    @classmethod
    def decode(cls, text: str) -> Cursor:
        published_at, ident = cursor.decode(text, cursor.moment, UUID)
        return cls(published_at, ident)


@dataclass(frozen=True, slots=True)
class Filters:
    region: str | None = None
    category: str | None = None
    tag: str | None = None


async def list_published(
    conn: Connection, filters: Filters, *, after: Cursor | None, limit: int
) -> list[PublishedRow]:
    """Public articles, newest first, after ``after`` (at most ``limit``)."""
    rows = await conn.fetch(
        LIST_PUBLISHED,
        filters.region,
        filters.category,
        filters.tag,
        after.published_at if after else None,
        after.id if after else None,
        limit,
    )
    return [from_record(PublishedRow, r) for r in rows]


async def search_published(
    conn: Connection,
    filters: Filters,
    *,
    stemmed_query: str,
    title_query: str,
    limit: int,
) -> list[PublishedRow]:
    """Public articles matching the stemmed query (full text) or, misspelt, the title."""
    rows = await conn.fetch(
        SEARCH_PUBLISHED, filters.region, filters.category, stemmed_query, title_query, limit
    )
    return [from_record(PublishedRow, r) for r in rows]


async def feed_state(conn: Connection, filters: Filters) -> tuple[datetime | None, int]:
    """(latest change among the region's ever-public articles, how many are public)."""
    r = await conn.fetchrow(FEED_STATE, filters.region, filters.category)
    assert r is not None
    return r["last_modified"], int(r["published"])


async def published_version(
    conn: Connection, article_id: UUID, number: int | None = None
) -> VersionRow | None:
    """The public article's version ``number`` (the current one when ``None``), if that
    revision was published at some time; ``None`` otherwise or when not public."""
    r = await conn.fetchrow(PUBLISHED_VERSION, article_id, number)
    return from_record(VersionRow, r) if r is not None else None
