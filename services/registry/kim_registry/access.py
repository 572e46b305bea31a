"""Who may see and change what in the registry (DESIGN §5).

* ``admin_provinsi`` — everything inside its province scope.
* ``operator_kabupaten`` — everything inside its kabupaten; other tenants' resources are 404.
* ``pengelola_kim`` — its own KIM (``kim_ids`` claim): profile and members.
* anyone — public KIM profiles (no personal data), regions and coverage.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kim_shared.auth import (
    ADMIN_PROVINSI,
    OPERATOR_KABUPATEN,
    PENGELOLA_KIM,
    Principal,
    require_roles,
)
from kim_shared.auth.errors import Forbidden, NotFound

Operator = Annotated[Principal, Depends(require_roles(ADMIN_PROVINSI, OPERATOR_KABUPATEN))]
"""Diskominfo staff: ``admin_provinsi`` or ``operator_kabupaten`` (region-scoped)."""

KimEditor = Annotated[
    Principal, Depends(require_roles(ADMIN_PROVINSI, OPERATOR_KABUPATEN, PENGELOLA_KIM))
]
"""Staff, or a KIM officer (only for the KIM ids in its token)."""


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
    return principal.has_any_role(ADMIN_PROVINSI, OPERATOR_KABUPATEN)


def staff_sees(principal: Principal, region_code: str) -> bool:
    """Whether a staff principal's region scope covers ``region_code``."""
    return is_staff(principal) and principal.can_access_region(region_code)


def is_own_pengelola(principal: Principal, kim_id: str) -> bool:
    """Whether ``principal`` is a pengelola of the KIM ``kim_id`` (its ``kim_ids`` claim)."""
    return principal.has_any_role(PENGELOLA_KIM) and kim_id in principal.kim_ids


def may_edit_kim(principal: Principal, kim_id: str, village_code: str) -> bool:
    """Staff whose scope covers the KIM's village, or the KIM's own pengelola."""
    return staff_sees(principal, village_code) or is_own_pengelola(principal, kim_id)


def ensure_staff_sees(principal: Principal, region_code: str, what: str = "resource") -> None:
    """404 (not 403) for another tenant's resource, so its existence does not leak."""
    if not staff_sees(principal, region_code):
        raise NotFound(f"The {what} was not found.")


def ensure_can_edit_kim(principal: Principal, kim_id: str, village_code: str) -> None:
    """Staff of the KIM's region, or the KIM's own pengelola; others get 404 or 403."""
    if may_edit_kim(principal, kim_id, village_code):
        return
    if principal.has_any_role(PENGELOLA_KIM) and principal.can_access_region(village_code):
        raise Forbidden("Only the KIM's own pengelola or Diskominfo staff may change it.")
    raise NotFound("The KIM was not found.")
