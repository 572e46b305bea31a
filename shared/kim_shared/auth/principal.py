"""The authenticated caller (:class:`Principal`), the role catalogue and tenancy rules.

Region codes are Kemendagri codes: province ``35``, kabupaten/kota ``35.02``,
kecamatan ``35.02.01``, desa/kelurahan ``35.02.01.2001``. A scope covers a code
when the code equals the scope or continues it at a ``.`` segment boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from kim_shared.auth.errors import NotFound

ADMIN_PROVINSI: Final = "admin_provinsi"
OPERATOR_KABUPATEN: Final = "operator_kabupaten"
MODERATOR: Final = "moderator"
PENDAMPING: Final = "pendamping"
PENGELOLA_KIM: Final = "pengelola_kim"
ANGGOTA_KIM: Final = "anggota_kim"
PELAKU_UMKM: Final = "pelaku_umkm"

KNOWN_ROLES: Final[frozenset[str]] = frozenset(
    {
        ADMIN_PROVINSI,
        OPERATOR_KABUPATEN,
        MODERATOR,
        PENDAMPING,
        PENGELOLA_KIM,
        ANGGOTA_KIM,
        PELAKU_UMKM,
    }
)
"""Every role the platform knows (DESIGN §5); other IdP roles are ignored."""

NATIONWIDE_ROLES: Final[frozenset[str]] = frozenset({MODERATOR, PENDAMPING})
"""Roles not bound to a region: they may carry no ``kim_region`` and see every region."""

REGION_CODE_RE: Final = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
"""A Kemendagri code: ``35``, ``35.02``, ``35.02.01`` or ``35.02.01.2001``."""


def is_region_code(code: str) -> bool:
    """Whether ``code`` is a well-formed Kemendagri region code."""
    return REGION_CODE_RE.fullmatch(code) is not None


def region_covers(scope: str, code: str) -> bool:
    """Whether region ``scope`` contains ``code`` (segment-boundary prefix match)."""
    return code == scope or code.startswith(scope + ".")


REGIONAL_MIN_LEVEL: Final[dict[str, int]] = {
    ADMIN_PROVINSI: 1,
    OPERATOR_KABUPATEN: 2,
    PENGELOLA_KIM: 2,
    ANGGOTA_KIM: 2,
    PELAKU_UMKM: 2,
}
"""How deep each regional role's scope must be: a kabupaten role never holds a province."""


def region_level(code: str) -> int:
    """1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as asserted by a verified token.

    One ``region_scope`` (the ``kim_region`` claim) bounds every regional role
    the token holds; it may be ``None`` only when every role is nationwide
    (:data:`NATIONWIDE_ROLES`). A kabupaten role (``operator_kabupaten``,
    ``pengelola_kim``, ...) needs a scope of a kabupaten or below. Construction
    raises :class:`ValueError` otherwise.

    Authorization asks :meth:`acts_in` with the roles that grant the action:
    the scope follows the granting role, never the union of the token's roles
    (an ``operator_kabupaten`` of ``35.02`` who is also a nationwide
    ``pendamping`` is still staff of ``35.02`` only).
    """

    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    region_scope: str | None = None
    name: str | None = None
    kim_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.subject:
            raise ValueError("a principal needs a non-empty subject")
        unknown = self.roles - KNOWN_ROLES
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        regional = self.roles - NATIONWIDE_ROLES
        if self.region_scope is None:
            if regional:
                raise ValueError(
                    f"roles {', '.join(sorted(regional))} need a region scope (kim_region)"
                )
            return
        if not is_region_code(self.region_scope):
            raise ValueError(f"region scope {self.region_scope!r} is not a Kemendagri code")
        level = region_level(self.region_scope)
        too_wide = sorted(r for r in regional if level < REGIONAL_MIN_LEVEL[r])
        if too_wide:
            raise ValueError(
                f"region scope {self.region_scope} is too wide for {', '.join(too_wide)} "
                "(a kabupaten/kota code or narrower is needed)"
            )

    def has_any_role(self, *roles: str) -> bool:
        """Whether the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def acts_in(self, code: str, *roles: str) -> bool:
        """Whether one of ``roles`` that the principal holds reaches region ``code``.

        A nationwide role reaches every region; a regional role reaches its
        ``region_scope`` and what lies inside it (``35.02`` covers ``35.02`` and
        ``35.02.01.2001`` but not ``35.021``). Roles the principal does not hold
        grant nothing, whatever else it holds.
        """
        held = self.roles.intersection(roles)
        if not held:
            return False
        if not held.isdisjoint(NATIONWIDE_ROLES):
            return True
        return self.region_scope is not None and region_covers(self.region_scope, code)


def ensure_region_visible(principal: Principal, code: str, *roles: str) -> None:
    """Raise 404 unless one of ``roles`` held by ``principal`` reaches region ``code``.

    Another tenant's resource answers exactly like a missing one, so its
    existence is not disclosed.
    """
    if not principal.acts_in(code, *roles):
        raise NotFound("The requested resource was not found.")
