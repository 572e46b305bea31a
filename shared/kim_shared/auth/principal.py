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


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as asserted by a verified token.

    ``region_scope`` may be ``None`` only when every role is nationwide
    (:data:`NATIONWIDE_ROLES`); construction raises :class:`ValueError` otherwise.
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
        if self.region_scope is None:
            regional = self.roles - NATIONWIDE_ROLES
            if regional:
                raise ValueError(
                    f"roles {', '.join(sorted(regional))} need a region scope (kim_region)"
                )
        elif not is_region_code(self.region_scope):
            raise ValueError(f"region scope {self.region_scope!r} is not a Kemendagri code")

    def has_any_role(self, *roles: str) -> bool:
        """Whether the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_nationwide(self) -> bool:
        """Whether a nationwide role lets the principal see every region."""
        return not self.roles.isdisjoint(NATIONWIDE_ROLES)

    def can_access_region(self, code: str) -> bool:
        """Whether a resource in region ``code`` is within this principal's tenancy.

        Scope ``35.02`` covers ``35.02`` and ``35.02.01.2001`` but not ``35.021``;
        scope ``35`` (admin_provinsi) covers every ``35.*`` code.
        """
        if self.is_nationwide:
            return True
        if self.region_scope is None:
            return False
        return region_covers(self.region_scope, code)


def ensure_region_visible(principal: Principal, code: str) -> None:
    """Raise a 404 problem when region ``code`` is outside the principal's scope.

    Another tenant's resource answers exactly like a missing one, so its
    existence is not disclosed.
    """
    if not principal.can_access_region(code):
        raise NotFound("The requested resource was not found.")
