"""Who may do what with content (DESIGN §5), answered from the token and the KIM projection.

- **Authors**: ``anggota_kim`` or ``pengelola_kim`` tokens whose login subject is on the
  current roster of an ``aktif`` KIM (the registry's KIM state, projected here; the
  registry is never called). A KIM that is not ``aktif`` cannot take new submissions.
- **KIM editors**: officers (any position but ``anggota``) of the article's KIM.
- **Moderation staff**: ``operator_kabupaten`` of the article's kabupaten, and
  ``moderator`` (nationwide; a moderator token that carries a ``kim_region`` is held to it).
- Another tenant's article, case or report answers 404, exactly like a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends

from kim_shared.auth import Principal, require_roles
from kim_shared.auth.principal import (
    ANGGOTA_KIM,
    MODERATOR,
    OPERATOR_KABUPATEN,
    PENGELOLA_KIM,
    region_covers,
)
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Forbidden, NotFound
from kim_shared.projections.kim.lookups import Membership, get_kim, membership
from kim_shared.projections.kim.rows import Kim

WRITER_ROLES: Final = (ANGGOTA_KIM, PENGELOLA_KIM)
STAFF_ROLES: Final = (OPERATOR_KABUPATEN, MODERATOR)

ARTICLE_NOT_FOUND: Final = "The article was not found."
KIM_NOT_FOUND: Final = "The KIM was not found."

Writer = Annotated[Principal, Depends(require_roles(*WRITER_ROLES))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
Workspace = Annotated[Principal, Depends(require_roles(*WRITER_ROLES, *STAFF_ROLES))]
Officer = Annotated[Principal, Depends(require_roles(PENGELOLA_KIM, OPERATOR_KABUPATEN))]


def moderates(principal: Principal, region_code: str) -> bool:
    """Whether the caller is moderation staff for ``region_code`` (a kabupaten or below)."""
    if principal.acts_in(region_code, OPERATOR_KABUPATEN):
        return True
    if MODERATOR not in principal.roles:
        return False
    scope = principal.region_scope
    return scope is None or region_covers(scope, region_code)


def ensure_moderates(principal: Principal, region_code: str, *, what: str) -> None:
    if not moderates(principal, region_code):
        raise NotFound(what)


async def writing_membership(
    conn: Connection, principal: Principal, kim_id: UUID, on: date
) -> tuple[Kim, Membership]:
    """The KIM and the caller's membership in it, if the caller may write for it now.

    404: unknown KIM or outside the token's region. 403: not on the KIM's current roster
    (never was, or the membership ended). 409: the KIM is not ``aktif``.
    """
    kim = await get_kim(conn, kim_id)
    if kim is None or not principal.acts_in(kim.state.village_code, *WRITER_ROLES):
        raise NotFound(KIM_NOT_FOUND)
    member = await membership(conn, kim_id, principal.subject, on=on)
    if member is None:
        raise Forbidden(
            "Only current members and officers of this KIM can write for it.",
            slug="not-a-member",
        )
    if kim.state.status != "aktif":
        raise Conflict(
            f"This KIM is {kim.state.status}: only an aktif KIM can submit articles.",
            slug="kim-not-active",
        )
    return kim, member


async def is_officer_of(conn: Connection, principal: Principal, kim_id: UUID, on: date) -> bool:
    """Whether the caller is a current officer (pengurus) of the KIM, whatever its status."""
    if PENGELOLA_KIM not in principal.roles:
        return False
    member = await membership(conn, kim_id, principal.subject, on=on)
    return member is not None and member.officer


async def can_read_draft(
    conn: Connection, principal: Principal, *, author: str, kim_id: UUID, region: str, on: date
) -> bool:
    """The author, the KIM's officers and moderation staff of the region see unpublished work."""
    if principal.subject == author and principal.acts_in(region, *WRITER_ROLES):
        return True
    if moderates(principal, region):
        return True
    return principal.acts_in(region, PENGELOLA_KIM) and await is_officer_of(
        conn, principal, kim_id, on
    )
