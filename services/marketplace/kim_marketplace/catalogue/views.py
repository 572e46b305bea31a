"""Catalogue rows as the public sees them."""

from __future__ import annotations

from typing import cast

from lokal.rupiah import format_rupiah

from kim_marketplace.catalogue.queries import CatalogueRow
from kim_marketplace.catalogue.schemas import (
    Badge,
    PublicBusiness,
    PublicDiscount,
    PublicProduct,
    PublicVillage,
)


def public_product(row: CatalogueRow) -> PublicProduct:
    discount = (
        PublicDiscount.model_validate({"kind": row.discount_kind, "value": row.discount_value})
        if row.discount_kind is not None and row.discount_value is not None
        else None
    )
    return PublicProduct(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        unit=row.unit,
        price_rupiah=row.price_rupiah,
        price_text=str(format_rupiah(row.price_rupiah)),
        discount=discount,
        final_price_rupiah=row.final_price_rupiah,
        final_price_text=str(format_rupiah(row.final_price_rupiah)),
        in_stock=row.stock > 0,
        photo_urls=list(row.photo_urls),
        weight_grams=row.weight_grams,
        business=PublicBusiness(
            id=row.seller_id,
            name=row.business_name,
            village=PublicVillage(
                code=row.village_code, name=row.village_name, type=row.village_type
            ),
        ),
        badges=[cast(Badge, b) for b in row.badges],
        published_at=row.published_at,
        score=row.score,
    )
