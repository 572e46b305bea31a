"""Public HTTP routes: read published articles, search them, follow a region's feed.

No token is needed and none is read. Only published articles that are not hidden by
reader reports are shown; anything else answers 404 exactly like an unknown id. The
author's login subject is never shown: the KIM is the author.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from kim_content.publishing import queries
from kim_content.publishing.conditional import not_modified as is_not_modified
from kim_content.publishing.conditional import validators
from kim_content.publishing.feeds import (
    FeedInfo,
    FeedItem,
    category_label,
    feed_title,
    json_feed,
    rss,
)
from kim_content.publishing.queries import Cursor, Filters, PublishedRow, VersionRow
from kim_content.publishing.render import render_markdown, summary
from kim_content.publishing.schemas import (
    REGION_CODE,
    PlaceName,
    PublicAgenda,
    PublicArticle,
    PublicArticlePage,
    PublicArticleSummary,
    PublicImage,
    PublicKim,
    PublicMedia,
    PublicSearchResults,
)
from kim_content.settings import settings_of
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.events.types.content import Category
from kim_shared.projections.regions.lookups import region as find_region
from kim_shared.projections.regions.lookups import village as find_village
from kim_shared.search_text import stem_query
from kim_shared.service import Pool

router = APIRouter(tags=["public"])

ARTICLE_NOT_FOUND = "No published article with this id."
VERSION_NOT_FOUND = "This article has no published version with this number."
REGION_NOT_FOUND = "No region with this code has a feed."
FEED_LEVELS = frozenset({"kabupaten", "kota", "kecamatan", "distrik", "desa", "kelurahan"})
FEED_SIZE = 50
CACHE_CONTROL = "public, max-age=300"
RSS_TYPE = "application/rss+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
MAX_QUERY = 200

RegionCode = Annotated[str, Path(pattern=REGION_CODE, max_length=13)]
RegionFilter = Annotated[
    str | None, Query(pattern=REGION_CODE, max_length=13, description="A region at any level.")
]
TagFilter = Annotated[str | None, Query(min_length=2, max_length=40)]
CursorParam = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9_-]{1,200}$",
        description="The `next_cursor` of the previous page.",
    ),
]


def _base(request: Request) -> str:
    return settings_of(request).public_base_url.rstrip("/")


def _article_url(base: str, article_id: UUID) -> str:
    return f"{base}/public/articles/{article_id}"


def _image(value: dict[str, Any] | None) -> PublicImage | None:
    return PublicImage.model_validate(value) if value else None


def _summary_view(base: str, row: PublishedRow) -> PublicArticleSummary:
    return PublicArticleSummary(
        id=row.id,
        title=row.title,
        summary=summary(row.body),
        category=row.category,  # type: ignore[arg-type]
        category_label=category_label(row.category),
        village=PlaceName(code=row.village_code, name=row.village_name, type=row.village_type),
        kim=PublicKim(id=row.kim_id, name=row.kim_name),
        cover=_image(row.cover),
        published_at=row.published_at,
        url=_article_url(base, row.id),
        score=row.score,
    )


async def _article_view(conn: Connection, base: str, row: VersionRow) -> PublicArticle:
    parts = row.village_code.split(".")
    kecamatan_code, kabupaten_code = ".".join(parts[:3]), ".".join(parts[:2])
    place = await find_village(conn, row.village_code)
    agenda = None
    if row.agenda_date is not None and row.agenda_place is not None:
        agenda = PublicAgenda(date=row.agenda_date, place=row.agenda_place)
    current = row.number == row.published_revision
    return PublicArticle(
        id=row.id,
        revision=row.number,
        current=current,
        title=row.title,
        summary=summary(row.body),
        body_html=render_markdown(row.body),
        category=row.category,  # type: ignore[arg-type]
        category_label=category_label(row.category),
        tags=list(row.tags),
        village=PlaceName(
            code=row.village_code,
            name=place.name if place else None,
            type=place.type if place else None,
        ),
        kecamatan=PlaceName(
            code=kecamatan_code, name=place.kecamatan_name if place else None, type="kecamatan"
        ),
        kabupaten=PlaceName(code=kabupaten_code, name=place.kabupaten_name if place else None),
        kim=PublicKim(id=row.kim_id, name=row.kim_name),
        cover=_image(row.cover),
        media=[PublicMedia.model_validate(m) for m in row.media],
        agenda=agenda,
        first_published_at=row.first_published_at,
        published_at=row.published_at if current else row.version_published_at,
        url=_article_url(base, row.id),
    )


@router.get(
    "/public/articles",
    response_model=PublicArticlePage,
    summary="Published articles, newest first",
)
async def list_public_articles(
    request: Request,
    pool: Pool,
    region: RegionFilter = None,
    category: Category | None = None,
    tag: TagFilter = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorParam = None,
) -> PublicArticlePage:
    """Filter by a region at any level (kabupaten, kecamatan, desa/kelurahan), category and
    tag; page with `cursor`."""
    after = Cursor.decode(cursor) if cursor is not None else None
    async with pool.acquire() as conn:
        rows = await queries.list_published(
            conn, Filters(region, category, tag), after=after, limit=limit + 1
        )
    base = _base(request)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].published_at, rows[-1].id).encode() if more else None
    return PublicArticlePage(items=[_summary_view(base, r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/public/articles/{article_id}",
    response_model=PublicArticle,
    summary="A published article, rendered",
)
async def get_public_article(request: Request, article_id: UUID, pool: Pool) -> PublicArticle:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await queries.published_version(conn, article_id)
        if row is None:
            raise NotFound(ARTICLE_NOT_FOUND)
        return await _article_view(conn, _base(request), row)


@router.get(
    "/public/articles/{article_id}/revisions/{number}",
    response_model=PublicArticle,
    summary="A version of a published article that was published at some time",
)
async def get_public_revision(
    request: Request,
    article_id: UUID,
    number: Annotated[int, Path(ge=1, le=100_000)],
    pool: Pool,
) -> PublicArticle:
    """Revisions that were never published (drafts, rejected ones) answer 404."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await queries.published_version(conn, article_id, number)
        if row is None:
            raise NotFound(VERSION_NOT_FOUND)
        return await _article_view(conn, _base(request), row)


@router.get(
    "/public/search",
    response_model=PublicSearchResults,
    summary="Search published articles (Indonesian)",
)
async def search_public_articles(
    request: Request,
    pool: Pool,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
    region: RegionFilter = None,
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> PublicSearchResults:
    """Words are stemmed as in the index (Sastrawi: *berkegiatan* finds *kegiatan*);
    `"phrases"`, `-exclusions` and `or` work; a misspelt title still matches by trigram
    similarity. Ranked by relevance and recency."""
    title_query = " ".join(q.casefold().split())[:MAX_QUERY].replace("\x00", "")
    async with pool.acquire() as conn:
        rows = await queries.search_published(
            conn,
            Filters(region, category),
            stemmed_query=stem_query(q.replace("\x00", "")),
            title_query=title_query,
            limit=limit,
        )
    base = _base(request)
    return PublicSearchResults(query=q, items=[_summary_view(base, r) for r in rows])


_FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match or If-Modified-Since matched)."},
}


async def _feed(
    request: Request, pool: Pool, code: str, category: str | None, kind: str
) -> Response:
    filters = Filters(code, category)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        place = await find_region(conn, code)
        if place is None or place.type not in FEED_LEVELS:
            raise NotFound(REGION_NOT_FOUND)
        last_modified, count = await queries.feed_state(conn, filters)
        variant = f"{kind}|{code}|{category or ''}|{place.type}|{place.name}"
        etag, modified = validators(last_modified, count, variant)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": CACHE_CONTROL}
        if is_not_modified(request.headers, etag, modified):
            return Response(status_code=304, headers=headers)
        rows = await queries.list_published(conn, filters, after=None, limit=FEED_SIZE)
    base = _base(request)
    query = f"?category={category}" if category else ""
    title = feed_title(place.type, place.name, category)
    info = FeedInfo(
        title=title,
        description=f"{title}: berita dari Komunitas Informasi Masyarakat (KIM).",
        home_url=f"{base}/public/articles?region={code}"
        + (f"&category={category}" if category else ""),
        feed_url=f"{base}/feeds/{code}.{kind}{query}",
    )
    items = [_feed_item(base, r) for r in rows]
    if kind == "rss":
        return Response(rss(info, items), media_type=RSS_TYPE, headers=headers)
    return Response(json_feed(info, items), media_type=JSON_FEED_TYPE, headers=headers)


def _feed_item(base: str, row: PublishedRow) -> FeedItem:
    cover = row.cover or {}
    return FeedItem(
        id=str(row.id),
        url=_article_url(base, row.id),
        title=row.title,
        summary=summary(row.body),
        content_html=render_markdown(row.body),
        published_at=row.published_at,
        updated_at=row.updated_at,
        category=row.category,
        tags=tuple(row.tags),
        image=cover.get("url"),
        kim_name=row.kim_name,
    )


@router.get(
    "/feeds/{region_code}.rss",
    response_class=Response,
    responses={
        200: {"content": {"application/rss+xml": {"schema": {"type": "string"}}}},
        **_FEED_RESPONSES,
    },
    summary="RSS 2.0 feed of a region's published articles",
)
async def rss_feed(
    request: Request, region_code: RegionCode, pool: Pool, category: Category | None = None
) -> Response:
    """A desa/kelurahan, kecamatan or kabupaten/kota; the newest 50 articles."""
    return await _feed(request, pool, region_code, category, "rss")


@router.get(
    "/feeds/{region_code}.json",
    response_class=Response,
    responses={
        200: {"content": {"application/feed+json": {"schema": {"type": "object"}}}},
        **_FEED_RESPONSES,
    },
    summary="JSON Feed 1.1 of a region's published articles",
)
async def json_feed_route(
    request: Request, region_code: RegionCode, pool: Pool, category: Category | None = None
) -> Response:
    """A desa/kelurahan, kecamatan or kabupaten/kota; the newest 50 articles."""
    return await _feed(request, pool, region_code, category, "json")
