"""Who may do what with sellers and their products (DESIGN §5), from the token and the KIM
projection.

- **Managers** of a seller: its owner (the ``pelaku_umkm`` login that registered it) and the
  current officers (``pengelola_kim``, any position but anggota) of its assisting KIM.
- **Operators**: ``operator_kabupaten`` of the seller's kabupaten read it and verify its
  licences.
- Anyone else, and operators of another kabupaten, get 404 exactly as for a missing seller.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends

from kim_marketplace.sellers.repository import SellerRow
from kim_shared.auth import Principal, require_roles
from kim_shared.auth.principal import OPERATOR_KABUPATEN, PELAKU_UMKM, PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.projections.kim.lookups import membership

SELLER_NOT_FOUND: Final = "The seller was not found."

Owner = Annotated[Principal, Depends(require_roles(PELAKU_UMKM))]
Manager = Annotated[Principal, Depends(require_roles(PELAKU_UMKM, PENGELOLA_KIM))]
Operator = Annotated[Principal, Depends(require_roles(OPERATOR_KABUPATEN))]
Reader = Annotated[
    Principal, Depends(require_roles(PELAKU_UMKM, PENGELOLA_KIM, OPERATOR_KABUPATEN))
]


async def manages(conn: Connection, principal: Principal, seller: SellerRow) -> bool:
    """The owner, or a current officer of the seller's assisting KIM."""
    if PELAKU_UMKM in principal.roles and principal.subject == seller.owner_subject:
        return True
    if seller.kim_id is None or not principal.acts_in(seller.village_code, PENGELOLA_KIM):
        return False
    member = await membership(conn, seller.kim_id, principal.subject, on=today())
    return member is not None and member.officer


def operates(principal: Principal, seller: SellerRow) -> bool:
    return principal.acts_in(seller.village_code, OPERATOR_KABUPATEN)


async def ensure_manages(conn: Connection, principal: Principal, seller: SellerRow) -> None:
    if not await manages(conn, principal, seller):
        raise NotFound(SELLER_NOT_FOUND)


async def ensure_reads(conn: Connection, principal: Principal, seller: SellerRow) -> None:
    if not operates(principal, seller) and not await manages(conn, principal, seller):
        raise NotFound(SELLER_NOT_FOUND)
