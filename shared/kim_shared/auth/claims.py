"""Mapping between JWT claims and :class:`Principal`.

Claim names (configure matching protocol mappers in Keycloak):

- ``sub`` (required): the subject, :attr:`Principal.subject`.
- ``realm_access.roles`` (Keycloak realm roles) and/or a top-level ``roles``
  list: both are merged; only roles in :data:`KNOWN_ROLES` are kept, so
  Keycloak defaults such as ``offline_access`` are dropped.
- ``kim_region``: the Kemendagri region scope (``"35"``, ``"35.02"``, ...);
  required unless every role is nationwide.
- ``kim_ids``: list of KIM ids the user manages (optional).
- ``name``, else ``preferred_username``: display name (optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kim_shared.auth.errors import Unauthorized
from kim_shared.auth.principal import KNOWN_ROLES, Principal

REGION_CLAIM = "kim_region"
KIM_IDS_CLAIM = "kim_ids"
ROLES_CLAIM = "roles"
KEYCLOAK_REALM_ACCESS_CLAIM = "realm_access"


def _string_list(value: object, claim: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unauthorized(f"The token claim '{claim}' must be a list of strings.")
    return list(value)


def _roles(claims: Mapping[str, Any]) -> frozenset[str]:
    realm_access = claims.get(KEYCLOAK_REALM_ACCESS_CLAIM)
    realm_roles: list[str] = []
    if realm_access is not None:
        if not isinstance(realm_access, Mapping):
            raise Unauthorized("The token claim 'realm_access' must be an object.")
        realm_roles = _string_list(realm_access.get("roles"), "realm_access.roles")
    top_roles = _string_list(claims.get(ROLES_CLAIM), ROLES_CLAIM)
    return frozenset(realm_roles + top_roles) & KNOWN_ROLES


def _optional_str(claims: Mapping[str, Any], claim: str) -> str | None:
    value = claims.get(claim)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unauthorized(f"The token claim '{claim}' must be a string.")
    return value


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build the :class:`Principal` from verified claims, or raise :class:`Unauthorized`."""
    subject = _optional_str(claims, "sub")
    if not subject:
        raise Unauthorized("The token has no subject ('sub' claim).")
    name = _optional_str(claims, "name") or _optional_str(claims, "preferred_username")
    try:
        return Principal(
            subject=subject,
            roles=_roles(claims),
            region_scope=_optional_str(claims, REGION_CLAIM),
            name=name,
            kim_ids=tuple(_string_list(claims.get(KIM_IDS_CLAIM), KIM_IDS_CLAIM)),
        )
    except ValueError as exc:
        raise Unauthorized(f"The token claims are not acceptable: {exc}.") from exc


def claims_for_principal(principal: Principal) -> dict[str, Any]:
    """The identity claims (no ``iss``/``aud``/``exp``) that represent ``principal``."""
    claims: dict[str, Any] = {
        "sub": principal.subject,
        ROLES_CLAIM: sorted(principal.roles),
    }
    if principal.region_scope is not None:
        claims[REGION_CLAIM] = principal.region_scope
    if principal.kim_ids:
        claims[KIM_IDS_CLAIM] = list(principal.kim_ids)
    if principal.name is not None:
        claims["name"] = principal.name
    return claims
