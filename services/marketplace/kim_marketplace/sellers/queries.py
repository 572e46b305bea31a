"""Reads of the seller list: the sellers a caller may manage or oversee, a page at a time.

Who sees which sellers is the rule of :mod:`kim_marketplace.access`, applied as a set: the
seller a ``pelaku_umkm`` owns, the sellers assisted by the aktif KIM a ``pengelola_kim``
serves as an officer today (inside the token's region), and the sellers of an
``operator_kabupaten``'s region. A token with several roles sees the union. Filters only
narrow that set: a filter outside it (another kabupaten or KIM) selects nothing.

Newest first, paged by keyset on ``(created_at, id)``; one fixed statement serves every
combination of filters (``$n IS NULL OR …``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from uuid import UUID

from kim_marketplace.sellers.domain import BusinessCategory
from kim_shared import pagination
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN, PELAKU_UMKM, PENGELOLA_KIM
from kim_shared.db import Connection, from_record
from kim_shared.events.types.marketplace import DocumentKind
from kim_shared.projections.kim.lookups import memberships_of

_VALID_LICENCE: Final = (
    "l.seller_id = s.id AND l.status = 'terverifikasi'"
    " AND (l.expires_on IS NULL OR l.expires_on >= current_date)"
)
_IN_REGION: Final = "(s.village_code = {p} OR s.village_code LIKE {p} || '.%')"

LIST_SELLERS: Final = f"""
SELECT s.id, s.business_name, s.village_code, v.name AS village_name, s.kecamatan_code,
    s.kabupaten_code, s.kim_id, s.business_category, s.created_at,
    ARRAY(SELECT l.document FROM seller_licences l WHERE {_VALID_LICENCE}
          ORDER BY l.document) AS badges
FROM sellers s
LEFT JOIN region_projection v ON v.code = s.village_code
WHERE (s.owner_subject = $1
       OR (s.kim_id = ANY($2::uuid[]) AND {_IN_REGION.format(p="$3")})
       OR ($4::text IS NOT NULL AND {_IN_REGION.format(p="$4")}))
  AND ($5::uuid IS NULL OR s.kim_id = $5)
  AND ($6::text IS NULL OR {_IN_REGION.format(p="$6")})
  AND ($7::boolean IS NULL OR $7 = EXISTS (
        SELECT 1 FROM seller_licences l WHERE {_VALID_LICENCE} AND l.document = 'nib'))
  AND ($8::timestamptz IS NULL OR (s.created_at, s.id) < ($8, $9::uuid))
ORDER BY s.created_at DESC, s.id DESC
LIMIT $10
"""


@dataclass(frozen=True, slots=True)
class SellerListRow:
    """A seller as its list shows it: the business, never its owner's personal data."""

    id: UUID
    business_name: str
    village_code: str
    village_name: str | None
    kecamatan_code: str
    kabupaten_code: str
    kim_id: UUID | None
    business_category: BusinessCategory
    created_at: datetime
    badges: list[DocumentKind]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may list: the seller it owns, those its KIM assist (in ``kim_region``),
    and those of an operator's ``region``."""

    owner: str | None
    kim_ids: tuple[UUID, ...]
    kim_region: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class SellerFilter:
    kim_id: UUID | None = None
    region: str | None = None
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class SellerCursor:
    """Where a page ends: the last seller's registration time and id."""

    created_at: datetime
    id: UUID

    def encode(self) -> str:
        return pagination.encode(self.created_at, self.id)

    @classmethod
    def decode(cls, text: str) -> SellerCursor:
        created_at, ident = pagination.decode(text, pagination.moment, UUID)
        return cls(created_at, ident)


async def scope_of(conn: Connection, principal: Principal, on: date) -> Scope:
    owner = principal.subject if PELAKU_UMKM in principal.roles else None
    kim_ids: tuple[UUID, ...] = ()
    kim_region = None
    if PENGELOLA_KIM in principal.roles and principal.region_scope is not None:
        kim_ids = tuple(
            m.kim_id
            for m in await memberships_of(conn, principal.subject, on=on)
            if m.officer and m.kim_status == "aktif"
        )
        kim_region = principal.region_scope
    region = principal.region_scope if OPERATOR_KABUPATEN in principal.roles else None
    return Scope(owner, kim_ids, kim_region, region)


async def page(
    conn: Connection,
    scope: Scope,
    flt: SellerFilter,
    *,
    after: SellerCursor | None,
    limit: int,
) -> list[SellerListRow]:
    """Up to ``limit`` sellers in ``scope`` matching ``flt``, newest first, after ``after``."""
    rows = await conn.fetch(
        LIST_SELLERS,
        scope.owner,
        list(scope.kim_ids),
        scope.kim_region,
        scope.region,
        flt.kim_id,
        flt.region,
        flt.verified,
        after.created_at if after else None,
        after.id if after else None,
        limit,
    )
    return [from_record(SellerListRow, r) for r in rows]
