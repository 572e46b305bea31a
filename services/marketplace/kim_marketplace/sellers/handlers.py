"""Commands on sellers: register, change the profile, verify a licence.

Each stages its events in the caller's transaction: the fact (registered, verified) and the
seller's public state (``SellerStateChanged`` on the compacted state topic). Owner name,
address and WhatsApp number never leave this service.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from uuid import UUID

from kim_marketplace import access
from kim_marketplace.products.state import stage_seller_listings
from kim_marketplace.sellers import repository as repo
from kim_marketplace.sellers.domain import check_verdict, effective_status, normalise_whatsapp
from kim_marketplace.sellers.repository import SellerRow
from kim_marketplace.sellers.schemas import SellerProfile, Verification
from kim_shared import clock, outbox
from kim_shared.auth import Principal
from kim_shared.auth.principal import PELAKU_UMKM, PENGELOLA_KIM
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Invalid, NotFound, ensure_version
from kim_shared.events.types.marketplace import (
    DocumentKind,
    SellerBadge,
    SellerLicenceExpired,
    SellerRegistered,
    SellerStateChanged,
    SellerVerified,
)
from kim_shared.outbox import EventSource
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.projections.regions.lookups import Village, active_village


async def load(conn: Connection, seller_id: UUID, *, lock: bool = False) -> SellerRow:
    seller = await repo.get(conn, seller_id, lock=lock)
    if seller is None:
        raise NotFound(access.SELLER_NOT_FOUND)
    return seller


async def _village(conn: Connection, principal: Principal, code: str) -> Village:
    """An active desa/kelurahan inside the caller's region (422 otherwise)."""
    found = await active_village(conn, code)
    if found is None or not principal.acts_in(code, PELAKU_UMKM, PENGELOLA_KIM):
        raise Invalid(
            "The village must be an active desa/kelurahan of your region.",
            field="body.village_code",
        )
    return found


async def _check_kim(conn: Connection, kim_id: UUID | None, kabupaten: str) -> None:
    """The assisting KIM must be an aktif KIM of the seller's kabupaten (422 otherwise)."""
    if kim_id is None:
        return
    kim = await get_kim(conn, kim_id)
    if kim is None or kim.state.kabupaten_code != kabupaten or kim.state.status != "aktif":
        raise Invalid(
            "The assisting KIM must be an aktif KIM of the seller's kabupaten.",
            field="body.kim_id",
        )


def _declared(profile: SellerProfile) -> dict[DocumentKind, tuple[str, date | None]]:
    declared: dict[DocumentKind, tuple[str, date | None]] = {}
    if profile.nib is not None:
        declared["nib"] = (profile.nib, None)
    if profile.pirt is not None:
        declared["pirt"] = (profile.pirt, None)
    if profile.halal is not None:
        declared["halal"] = (profile.halal.number, profile.halal.expires_on)
    if profile.bpom is not None:
        declared["bpom"] = (profile.bpom, None)
    return declared


async def register(
    conn: Connection, source: EventSource, principal: Principal, body: SellerProfile, now: datetime
) -> SellerRow:
    """A pelaku UMKM registers its business (one seller per login; 409 for a second)."""
    whatsapp = normalise_whatsapp(body.whatsapp)
    village = await _village(conn, principal, body.village_code)
    await _check_kim(conn, body.kim_id, village.kabupaten_code)
    seller = await repo.insert(
        conn,
        seller_id=uuid.uuid4(),
        owner_subject=principal.subject,
        business_name=body.business_name,
        owner_name=body.owner_name,
        village_code=village.code,
        kecamatan_code=village.kecamatan_code,
        kabupaten_code=village.kabupaten_code,
        address=body.address,
        whatsapp=whatsapp,
        kim_id=body.kim_id,
        business_category=body.business_category,
        now=now,
    )
    if seller is None:
        raise Conflict("This login already has a seller profile.", slug="seller-exists")
    await repo.put_licences(conn, seller.id, _declared(body))
    await outbox.add(
        conn,
        SellerRegistered(
            seller_id=seller.id,
            kim_id=seller.kim_id,
            village_code=seller.village_code,
            kabupaten_code=seller.kabupaten_code,
            business_category=seller.business_category,
            registered_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
    await stage_state(conn, source, seller, now)
    return seller


async def update(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    seller_id: UUID,
    expected: Collection[int],
    body: SellerProfile,
    now: datetime,
) -> SellerRow:
    """The owner or an officer of the assisting KIM changes the whole profile. A changed
    licence number or expiry needs verifying again."""
    seller = await load(conn, seller_id, lock=True)
    await access.ensure_manages(conn, principal, seller)
    ensure_version(seller.version, expected, "seller")
    whatsapp = normalise_whatsapp(body.whatsapp)
    village = await _village(conn, principal, body.village_code)
    await _check_kim(conn, body.kim_id, village.kabupaten_code)
    updated = await repo.update(
        conn,
        seller.id,
        business_name=body.business_name,
        owner_name=body.owner_name,
        village_code=village.code,
        kecamatan_code=village.kecamatan_code,
        kabupaten_code=village.kabupaten_code,
        address=body.address,
        whatsapp=whatsapp,
        kim_id=body.kim_id,
        business_category=body.business_category,
        now=now,
    )
    await repo.put_licences(conn, seller.id, _declared(body))
    await stage_state(conn, source, updated, now)
    await stage_seller_listings(conn, source, updated, now)
    return updated


async def verify(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    seller_id: UUID,
    body: Verification,
    now: datetime,
) -> SellerRow:
    """An operator of the seller's kabupaten verifies or refuses one declared licence."""
    seller = await load(conn, seller_id, lock=True)
    if not access.operates(principal, seller):
        raise NotFound(access.SELLER_NOT_FOUND)
    licence = next(
        (lic for lic in await repo.licences(conn, seller.id) if lic.document == body.document),
        None,
    )
    if licence is None:
        raise Invalid(
            f"The seller has not declared a {body.document} licence.", field="body.document"
        )
    check_verdict(body.document, body.status, licence.expires_on, clock.today(now))
    await repo.verify(
        conn,
        seller.id,
        body.document,
        status=body.status,
        note=body.note,
        by=principal.subject,
        now=now,
    )
    await repo.touch(conn, seller.id, now)
    await outbox.add(
        conn,
        SellerVerified(
            seller_id=seller.id,
            kabupaten_code=seller.kabupaten_code,
            document=body.document,
            status=body.status,
            expires_on=licence.expires_on,
            verified_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
    await stage_state(conn, source, seller, now)
    await stage_seller_listings(conn, source, seller, now)
    return await load(conn, seller.id)


async def expire_licences(
    conn: Connection, source: EventSource, today: date, now: datetime, *, limit: int = 200
) -> int:
    """Turn off the badges of up to ``limit`` verified licences that expired before ``today``
    (WIB): each becomes ``kedaluwarsa`` with a ``SellerLicenceExpired`` fact, and every seller
    changed gets a new state snapshot. Idempotent: licences already expired are not touched
    again, so a second run stages nothing. Returns how many licences expired."""
    expired = await repo.expire_licences(conn, today, limit)
    by_seller: dict[UUID, list[repo.ExpiredLicence]] = {}
    for lic in expired:
        by_seller.setdefault(lic.seller_id, []).append(lic)
    for seller_id, licences in by_seller.items():
        seller = await load(conn, seller_id, lock=True)
        for lic in licences:
            await outbox.add(
                conn,
                SellerLicenceExpired(
                    seller_id=seller.id,
                    kabupaten_code=seller.kabupaten_code,
                    document=lic.document,
                    expired_on=lic.expires_on,
                    recorded_at=now,
                ),
                source,
                kabupaten=seller.kabupaten_code,
            )
        await stage_state(conn, source, seller, now)
        await stage_seller_listings(conn, source, seller, now)
    return len(expired)


async def stage_state(
    conn: Connection, source: EventSource, seller: SellerRow, now: datetime
) -> None:
    """Stage the seller's public state (business name, region, KIM, category, badges)."""
    revision = await repo.next_state_revision(conn, seller.id)
    badges = [
        SellerBadge(
            document=lic.document,
            status=effective_status(lic.status, lic.expires_on, clock.today(now)),
            expires_on=lic.expires_on,
        )
        for lic in await repo.licences(conn, seller.id)
    ]
    await outbox.add(
        conn,
        SellerStateChanged(
            seller_id=seller.id,
            revision=revision,
            business_name=seller.business_name,
            business_category=seller.business_category,
            village_code=seller.village_code,
            kecamatan_code=seller.kecamatan_code,
            kabupaten_code=seller.kabupaten_code,
            kim_id=seller.kim_id,
            badges=badges,
            changed_at=now,
        ),
        source,
        kabupaten=seller.kabupaten_code,
    )
