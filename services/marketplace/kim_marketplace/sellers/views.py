"""Responses about sellers, as their managers and operators see them."""

from __future__ import annotations

from kim_marketplace.sellers import repository as repo
from kim_marketplace.sellers.domain import effective_status, whatsapp_link
from kim_marketplace.sellers.queries import SellerListRow
from kim_marketplace.sellers.repository import SellerRow
from kim_marketplace.sellers.schemas import LicenceView, SellerSummary, SellerView
from kim_shared.clock import today
from kim_shared.db import Connection


async def seller_view(conn: Connection, seller: SellerRow) -> SellerView:
    day = today()
    licences = [
        LicenceView(
            document=lic.document,
            number=lic.number,
            expires_on=lic.expires_on,
            status=effective_status(lic.status, lic.expires_on, day),
            note=lic.note,
            verified_at=lic.verified_at,
        )
        for lic in await repo.licences(conn, seller.id)
    ]
    return SellerView(
        id=seller.id,
        business_name=seller.business_name,
        owner_name=seller.owner_name,
        village_code=seller.village_code,
        kecamatan_code=seller.kecamatan_code,
        kabupaten_code=seller.kabupaten_code,
        address=seller.address,
        whatsapp=seller.whatsapp,
        whatsapp_link=whatsapp_link(seller.whatsapp),
        kim_id=seller.kim_id,
        business_category=seller.business_category,
        licences=licences,
        version=seller.version,
        created_at=seller.created_at,
        updated_at=seller.updated_at,
    )


def seller_summary(row: SellerListRow) -> SellerSummary:
    return SellerSummary(
        id=row.id,
        business_name=row.business_name,
        village_code=row.village_code,
        village_name=row.village_name,
        kecamatan_code=row.kecamatan_code,
        kabupaten_code=row.kabupaten_code,
        kim_id=row.kim_id,
        business_category=row.business_category,
        badges=row.badges,
        verified="nib" in row.badges,
        created_at=row.created_at,
    )
