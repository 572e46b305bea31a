"""Reads of the public catalogue: live listings only, never the owner's personal data.

Every statement is fixed and named; optional filters are ``$n IS NULL OR …`` so one
statement serves every combination. A region filter takes a code at any level (Kemendagri
codes are hierarchical: ``35.02.01.2001`` lies in ``35.02.01`` in ``35.02`` in ``35``).
Prices are filtered on the price a buyer pays (after the discount). A badge is a licence
an operator verified and that has not expired.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from kim_shared import pagination as cursor
from kim_shared.db import Connection, from_record

_FINAL_PRICE: Final = (
    "(p.price_rupiah - CASE p.discount_kind WHEN 'percent'"
    " THEN p.price_rupiah * p.discount_value / 100"
    " WHEN 'amount' THEN p.discount_value ELSE 0 END)"
)
_VALID_LICENCE: Final = (
    "l.seller_id = s.id AND l.status = 'terverifikasi'"
    " AND (l.expires_on IS NULL OR l.expires_on >= current_date)"
)
_COLUMNS: Final = f"""
    p.id, p.name, p.description, p.category, p.price_rupiah, p.unit, p.discount_kind,
    p.discount_value, {_FINAL_PRICE} AS final_price_rupiah, p.stock, p.photo_urls,
    p.weight_grams, p.published_at, s.id AS seller_id, s.business_name, s.village_code,
    v.name AS village_name, v.type AS village_type,
    ARRAY(SELECT l.document FROM seller_licences l WHERE {_VALID_LICENCE}
          ORDER BY l.document) AS badges"""
_FROM: Final = """
FROM products p
JOIN sellers s ON s.id = p.seller_id
LEFT JOIN region_projection v ON v.code = s.village_code"""
_FILTERS: Final = f"""p.status = 'live'
  AND ($1::text IS NULL OR s.village_code = $1 OR s.village_code LIKE $1 || '.%')
  AND ($2::text IS NULL OR p.category = $2)
  AND ($3::bigint IS NULL OR {_FINAL_PRICE} >= $3)
  AND ($4::bigint IS NULL OR {_FINAL_PRICE} <= $4)
  AND (NOT $5::boolean OR EXISTS (
        SELECT 1 FROM seller_licences l WHERE {_VALID_LICENCE} AND l.document = 'nib'))
  AND (NOT $6::boolean OR EXISTS (
        SELECT 1 FROM seller_licences l WHERE {_VALID_LICENCE} AND l.document = 'halal'))"""

LIST_LIVE: Final = f"""
SELECT {_COLUMNS}, NULL::float8 AS score
{_FROM}
WHERE {_FILTERS}
  AND ($7::timestamptz IS NULL OR (p.published_at, p.id) < ($7, $8::uuid))
ORDER BY p.published_at DESC, p.id DESC
LIMIT $9
"""

# Relevance: full-text rank of the Sastrawi-stemmed document for all the words ($7) and
# for any of them ($8: more of the words rank higher), plus the trigram word similarity of
# the name ($9, which finds misspellings). An item matches when it has all the words or a
# name similar to the query, so both GIN indexes serve the match. Only the page's ids are
# scored and sorted; its columns and badges are read for those ids alone. Paged by keyset
# on (score, id): the score of an item is the same on every request.
SEARCH_LIVE: Final = f"""
WITH hit AS (
    SELECT p.id,
        (ts_rank(p.search_document, qa.query) + ts_rank(p.search_document, qo.query)
         + word_similarity($9, coalesce(p.search_name, '')))::float8 AS score
    FROM products p
    JOIN sellers s ON s.id = p.seller_id
    CROSS JOIN websearch_to_tsquery('simple', $7) AS qa(query)
    CROSS JOIN websearch_to_tsquery('simple', $8) AS qo(query)
    WHERE {_FILTERS}
      AND (p.search_document @@ qa.query OR ($9 <> '' AND $9 <% p.search_name))
), page AS (
    SELECT id, score FROM hit
    WHERE ($10::float8 IS NULL OR (score, id) < ($10, $11::uuid))
    ORDER BY score DESC, id DESC
    LIMIT $12
)
SELECT {_COLUMNS}, page.score
FROM page
JOIN products p ON p.id = page.id
JOIN sellers s ON s.id = p.seller_id
LEFT JOIN region_projection v ON v.code = s.village_code
ORDER BY page.score DESC, page.id DESC
"""

GET_LIVE: Final = f"""
SELECT {_COLUMNS}, NULL::float8 AS score
{_FROM}
WHERE p.id = $1 AND p.status = 'live'
"""


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """A live listing as the public sees it (the seller's business, never its owner)."""

    id: UUID
    name: str
    description: str
    category: str
    price_rupiah: int
    unit: str
    discount_kind: str | None
    discount_value: int | None
    final_price_rupiah: int
    stock: int
    photo_urls: list[str]
    weight_grams: int | None
    published_at: datetime
    seller_id: UUID
    business_name: str
    village_code: str
    village_name: str | None
    village_type: str | None
    badges: list[str]
    score: float | None


@dataclass(frozen=True, slots=True)
class Filters:
    region: str | None = None
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    verified: bool = False
    halal: bool = False

    def values(self) -> tuple[object, ...]:
        return (
            self.region,
            self.category,
            self.min_price,
            self.max_price,
            self.verified,
            self.halal,
        )


@dataclass(frozen=True, slots=True)
class NewestCursor:
    """Where a newest-first page ends: the last item's publication time and id."""

    published_at: datetime
    id: UUID

    def encode(self) -> str:
        return cursor.encode("n", self.published_at, self.id)

    @classmethod
    def decode(cls, text: str) -> NewestCursor:
        _, published_at, ident = cursor.decode(text, _kind("n"), cursor.moment, UUID)
        return cls(published_at, ident)


@dataclass(frozen=True, slots=True)
class RelevanceCursor:
    """Where a page of search results ends: the last item's score and id."""

    score: float
    id: UUID

    def encode(self) -> str:
        return cursor.encode("r", repr(self.score), self.id)

    @classmethod
    def decode(cls, text: str) -> RelevanceCursor:
        _, score, ident = cursor.decode(text, _kind("r"), _finite, UUID)
        return cls(score, ident)


def _kind(expected: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value != expected:
            raise ValueError("a cursor of another listing")
        return expected

    return check


def _finite(value: object) -> float:
    if not isinstance(value, str):
        raise TypeError("a score is written as text")
    score = float(value)
    if not math.isfinite(score):
        raise ValueError("a score is finite")
    return score


async def list_live(
    conn: Connection, filters: Filters, *, after: NewestCursor | None, limit: int
) -> list[CatalogueRow]:
    """Live listings, newest first, after ``after`` (at most ``limit``)."""
    rows = await conn.fetch(
        LIST_LIVE,
        *filters.values(),
        after.published_at if after else None,
        after.id if after else None,
        limit,
    )
    return [from_record(CatalogueRow, r) for r in rows]


async def search_live(
    conn: Connection,
    filters: Filters,
    *,
    all_words: str,
    any_word: str,
    name_query: str,
    after: RelevanceCursor | None,
    limit: int,
) -> list[CatalogueRow]:
    """Live listings matching the stemmed words (all or any) or, misspelt, the name; most
    relevant first, after ``after``."""
    rows = await conn.fetch(
        SEARCH_LIVE,
        *filters.values(),
        all_words,
        any_word,
        name_query,
        after.score if after else None,
        after.id if after else None,
        limit,
    )
    return [from_record(CatalogueRow, r) for r in rows]


async def get_live(conn: Connection, product_id: UUID) -> CatalogueRow | None:
    r = await conn.fetchrow(GET_LIVE, product_id)
    return from_record(CatalogueRow, r) if r is not None else None
