"""Keeps a listing's search columns up to date (called by the listing handlers when a
listing goes live or a live listing changes; writes nothing else)."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from kim_shared.db import Connection
from kim_shared.search_text import stem_document

_SET_SEARCH: Final = (
    "UPDATE products SET search_document = to_tsvector('simple', $2), search_name = $3"
    " WHERE id = $1"
)


def document(name: str, description: str, category: str) -> str:
    """The stemmed text indexed for a product (its category's words too: ``batik_tenun``)."""
    return stem_document(name, description, category.replace("_", " "))


async def index_listing(
    conn: Connection, product_id: UUID, *, name: str, description: str, category: str
) -> None:
    """Store the search document and trigram name of the product."""
    await conn.execute(
        _SET_SEARCH, product_id, document(name, description, category), name.casefold()
    )
