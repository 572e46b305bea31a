"""Who may see and change what in the registry (DESIGN §5).

* ``admin_provinsi`` — everything inside its province scope.
* ``operator_kabupaten`` — everything inside its kabupaten.
* ``pengelola_kim`` — its own KIM (``kim_ids`` claim) inside its region scope: profile
  and members. A KIM id outside the token's region grants nothing.
* anyone — public KIM profiles (no personal data), regions and coverage.

One rule decides between 403 and 404, everywhere:

1. **401** — no token, or one that is not valid (checked before the body is read).
2. **403** — the token holds no role that may do this action at all (route dependency,
   before anything is looked up).
3. **404** — the resource (in the path or named in the body) does not exist, or lies
   outside the scope of the roles that grant the action: another tenant's resource
   answers exactly like a missing one.

Scope always follows the role that grants the action (:meth:`Principal.acts_in`): a token
with ``operator_kabupaten`` for ``35.02`` and a nationwide role is staff of ``35.02`` only.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends

from kim_shared.auth import (
    ADMIN_PROVINSI,
    OPERATOR_KABUPATEN,
    PENGELOLA_KIM,
    Principal,
    require_roles,
)
from kim_shared.errors import NotFound

STAFF_ROLES: Final = (ADMIN_PROVINSI, OPERATOR_KABUPATEN)

Operator = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
"""Diskominfo staff: ``admin_provinsi`` or ``operator_kabupaten`` (region-scoped)."""

KimEditor = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, PENGELOLA_KIM))]
"""Staff, or a KIM officer (only for the KIM ids in its token, inside its region)."""


def sql_below(column: str, region: str) -> str:
    """SQL condition: ``column`` lies strictly inside the region ``region`` (an SQL expression
    such as ``$1``), i.e. continues its code at a ``.`` boundary.

    A byte-wise range (``code ~>=~ '35.02.' AND code ~<~ '35.02/'``, ``/`` being the
    character after ``.``): it uses ``text_pattern_ops`` indexes under any collation and in
    generic prepared plans (unlike ``LIKE $1 || '.%'``), and takes ``_``/``%`` literally.
    """
    return f"({column} ~>=~ ({region}::text || '.') AND {column} ~<~ ({region}::text || '/'))"


def sql_in_region(column: str, region: str) -> str:
    """SQL twin of :func:`kim_shared.auth.principal.region_covers`: ``column`` is the region
    ``region`` or lies inside it (see :func:`sql_below`)."""
    return f"({column} = {region}::text OR {sql_below(column, region)})"


def kabupaten_of(code: str) -> str:
    """``35.02.01.2001`` → ``35.02`` (a province code stays as it is)."""
    return ".".join(code.split(".")[:2])


def is_staff(principal: Principal) -> bool:
    return principal.has_any_role(*STAFF_ROLES)


def staff_sees(principal: Principal, region_code: str) -> bool:
    """Whether a staff role of the principal reaches ``region_code``."""
    return principal.acts_in(region_code, *STAFF_ROLES)


def is_own_pengelola(principal: Principal, kim_id: str, village_code: str) -> bool:
    """Whether ``principal`` is a pengelola of the KIM ``kim_id`` in ``village_code``: the id
    is in its ``kim_ids`` claim *and* the KIM lies inside its region scope."""
    return kim_id in principal.kim_ids and principal.acts_in(village_code, PENGELOLA_KIM)


def may_edit_kim(principal: Principal, kim_id: str, village_code: str) -> bool:
    """Staff whose scope covers the KIM's village, or the KIM's own pengelola."""
    return staff_sees(principal, village_code) or is_own_pengelola(principal, kim_id, village_code)


def ensure_staff_sees(principal: Principal, region_code: str, what: str = "resource") -> None:
    """404 (not 403) for another tenant's resource, so its existence does not leak."""
    if not staff_sees(principal, region_code):
        raise NotFound(f"The {what} was not found.")


def ensure_can_edit_kim(principal: Principal, kim_id: str, village_code: str) -> None:
    """Staff of the KIM's region, or the KIM's own pengelola; anyone else gets 404."""
    if not may_edit_kim(principal, kim_id, village_code):
        raise NotFound("The KIM was not found.")
