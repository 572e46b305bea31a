"""Inquiries about live products: a buyer's question, or a WhatsApp hand-off with an
Indonesian template message (OpenSID's pattern), recorded so the seller's side, its KIM and
Diskominfo can count interest per product. Questions stay in marketplace (no event)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal
from urllib.parse import quote
from uuid import UUID

from lokal.rupiah import format_rupiah

from kim_marketplace import access
from kim_marketplace.products import repository as products
from kim_marketplace.products.domain import final_price
from kim_marketplace.products.repository import ProductRow
from kim_marketplace.sellers import repository as sellers
from kim_marketplace.sellers.domain import whatsapp_link
from kim_marketplace.sellers.repository import SellerRow
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import NotFound

InquiryKind = Literal["question", "whatsapp"]
PRODUCT_NOT_FOUND: Final = "The product was not found."

_INSERT: Final = (
    "INSERT INTO inquiries (id, product_id, kind, asker_subject, question, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_COUNT: Final = (
    "SELECT count(*) FILTER (WHERE kind = 'question') AS questions,"
    " count(*) FILTER (WHERE kind = 'whatsapp') AS whatsapp"
    " FROM inquiries WHERE product_id = $1"
)


@dataclass(frozen=True, slots=True)
class Recorded:
    id: UUID
    product_id: UUID
    kind: InquiryKind
    whatsapp_url: str | None


@dataclass(frozen=True, slots=True)
class Counts:
    product_id: UUID
    questions: int
    whatsapp: int


def template_message(product: ProductRow, seller: SellerRow) -> str:
    """The message a buyer sends on WhatsApp (Indonesian; no buyer data)."""
    unit_price = final_price(product.price_rupiah, product.discount_kind, product.discount_value)
    price = format_rupiah(unit_price)
    return (
        f'Halo {seller.business_name}, saya tertarik dengan produk "{product.name}"'
        f" ({price}/{product.unit}) yang saya lihat di Marketplace KIM."
        " Apakah produk ini masih tersedia?"
    )


def whatsapp_url(product: ProductRow, seller: SellerRow) -> str:
    return f"{whatsapp_link(seller.whatsapp)}?text={quote(template_message(product, seller))}"


async def _live(conn: Connection, product_id: UUID) -> tuple[ProductRow, SellerRow]:
    product = await products.get(conn, product_id)
    if product is None or product.status != "live":
        raise NotFound(PRODUCT_NOT_FOUND)
    seller = await sellers.get(conn, product.seller_id)
    if seller is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    return product, seller


async def record(
    conn: Connection,
    principal: Principal,
    product_id: UUID,
    *,
    kind: InquiryKind,
    question: str | None,
    now: datetime,
) -> Recorded:
    """Record a question or a WhatsApp hand-off about a live product (others: 404)."""
    product, seller = await _live(conn, product_id)
    inquiry_id = uuid.uuid4()
    await conn.execute(
        _INSERT,
        inquiry_id,
        product.id,
        kind,
        principal.subject,
        question if kind == "question" else None,
        now,
    )
    link = whatsapp_url(product, seller) if kind == "whatsapp" else None
    return Recorded(inquiry_id, product.id, kind, link)


async def counts(conn: Connection, principal: Principal, product_id: UUID) -> Counts:
    """How many inquiries a product had: its seller's side and operators of its kabupaten
    (anyone else: 404)."""
    product = await products.get(conn, product_id)
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    seller = await sellers.get(conn, product.seller_id)
    if seller is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    await access.ensure_reads(conn, principal, seller)
    row = await conn.fetchrow(_COUNT, product.id)
    assert row is not None
    return Counts(product.id, row["questions"], row["whatsapp"])
