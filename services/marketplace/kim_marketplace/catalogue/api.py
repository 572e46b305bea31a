"""Public HTTP routes of the catalogue: live listings, filtered and searched.

No token is needed and none is read. Anything not live (draft, in review, rejected)
answers 404 exactly like an unknown id.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from kim_marketplace.catalogue import queries
from kim_marketplace.catalogue.queries import Filters, NewestCursor, RelevanceCursor
from kim_marketplace.catalogue.schemas import REGION_CODE, CataloguePage, PublicProduct
from kim_marketplace.catalogue.views import public_product
from kim_marketplace.products.domain import ProductCategory
from kim_shared.errors import Invalid, NotFound
from kim_shared.search_text import any_word_query, name_query, stem_query
from kim_shared.service import Pool

router = APIRouter(tags=["catalogue"])

PRODUCT_NOT_FOUND = "No live listing with this id."
MAX_QUERY = 200
MAX_PRICE = 1_000_000_000_000

Price = Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="Whole Rupiah.")]


@router.get(
    "/catalogue/products",
    response_model=CataloguePage,
    summary="Live listings: newest first, or by relevance when searching",
)
async def list_catalogue(
    pool: Pool,
    region: Annotated[
        str | None,
        Query(pattern=REGION_CODE, max_length=13, description="A region at any level."),
    ] = None,
    category: ProductCategory | None = None,
    min_price: Price = None,
    max_price: Price = None,
    verified: Annotated[bool, Query(description="Only sellers with a verified NIB.")] = False,
    halal: Annotated[bool, Query(description="Only with a valid halal certificate.")] = False,
    q: Annotated[str | None, Query(min_length=1, max_length=MAX_QUERY)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9_-]{1,300}$", description="`next_cursor` of the last page."),
    ] = None,
) -> CataloguePage:
    """Filter by region (province, kabupaten, kecamatan or village), category, price paid
    (after discount), verified sellers and halal; `q` searches Indonesian words (stemmed:
    *keripiknya* finds *keripik*; `"phrases"`, `-exclusions`, `or`), and a misspelt name
    still matches by trigram similarity. Page with `cursor`."""
    if min_price is not None and max_price is not None and min_price > max_price:
        raise Invalid("min_price is above max_price.", field="query.min_price")
    filters = Filters(region, category, min_price, max_price, verified, halal)
    text = q.replace("\x00", "") if q is not None else None
    if text is not None and text.strip():
        after = RelevanceCursor.decode(cursor) if cursor is not None else None
        async with pool.acquire() as conn:
            rows = await queries.search_live(
                conn,
                filters,
                all_words=stem_query(text),
                any_word=any_word_query(text),
                name_query=name_query(text, MAX_QUERY),
                after=after,
                limit=limit + 1,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if rows else None
        next_cursor = (
            RelevanceCursor(last.score or 0.0, last.id).encode() if more and last else None
        )
        return CataloguePage(items=[public_product(r) for r in rows], next_cursor=next_cursor)
    newest = NewestCursor.decode(cursor) if cursor is not None else None
    async with pool.acquire() as conn:
        rows = await queries.list_live(conn, filters, after=newest, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = NewestCursor(rows[-1].published_at, rows[-1].id).encode() if more else None
    return CataloguePage(items=[public_product(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/catalogue/products/{product_id}",
    response_model=PublicProduct,
    summary="A live listing",
)
async def get_catalogue_product(product_id: UUID, pool: Pool) -> PublicProduct:
    async with pool.acquire() as conn:
        row = await queries.get_live(conn, product_id)
    if row is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    return public_product(row)
