"""Responses about products, as their seller's managers see them."""

from __future__ import annotations

from lokal.rupiah import format_rupiah

from kim_marketplace.products.domain import final_price
from kim_marketplace.products.repository import ProductRow
from kim_marketplace.products.schemas import Discount, ProductView


def product_view(p: ProductRow) -> ProductView:
    discount = (
        Discount(kind=p.discount_kind, value=p.discount_value)
        if p.discount_kind is not None and p.discount_value is not None
        else None
    )
    return ProductView(
        id=p.id,
        seller_id=p.seller_id,
        name=p.name,
        description=p.description,
        category=p.category,
        price_rupiah=p.price_rupiah,
        price_text=str(format_rupiah(p.price_rupiah)),
        final_price_rupiah=final_price(p.price_rupiah, p.discount_kind, p.discount_value),
        unit=p.unit,
        discount=discount,
        stock=p.stock,
        photo_urls=p.photo_urls,
        weight_grams=p.weight_grams,
        needs_pirt=p.needs_pirt,
        needs_halal=p.needs_halal,
        status=p.status,
        revision=p.revision,
        live_revision=p.live_revision,
        reason_code=p.reason_code,
        published_at=p.published_at,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )
