"""Authentication and authorization kit: OIDC bearer JWTs, principals, tenancy.

Wire it in the service lifespan (nothing happens at import)::

    app.state.token_verifier = create_token_verifier(settings)

then depend on :data:`CurrentPrincipal`, :data:`OptionalPrincipal` or
:func:`require_roles` in routes, and call :func:`ensure_region_visible` (with the roles
that grant the action) before returning a regional resource. Errors are members of
:mod:`kim_shared.errors`, rendered by the HTTP kit's one handler. Claim names are
documented in :mod:`kim_shared.auth.claims`.
"""

from kim_shared.auth.claims import claims_for_principal, principal_from_claims
from kim_shared.auth.deps import (
    CurrentPrincipal,
    OptionalPrincipal,
    get_optional_principal,
    get_principal,
    get_token_verifier,
    require_roles,
)
from kim_shared.auth.errors import (
    AuthUnavailable,
    Forbidden,
    NotFound,
    Unauthorized,
)
from kim_shared.auth.factory import create_token_verifier, dev_keys_enabled
from kim_shared.auth.keys import DevKeyPair, load_or_create_dev_keys, rsa_thumbprint
from kim_shared.auth.keysources import (
    ChainKeySource,
    JwksKeySource,
    KeySource,
    StaticKeySource,
    parse_jwks,
)
from kim_shared.auth.mint import mint_token
from kim_shared.auth.principal import (
    ADMIN_PROVINSI,
    ANGGOTA_KIM,
    KNOWN_ROLES,
    MODERATOR,
    NATIONWIDE_ROLES,
    OPERATOR_KABUPATEN,
    PELAKU_UMKM,
    PENDAMPING,
    PENGELOLA_KIM,
    Principal,
    ensure_region_visible,
)
from kim_shared.auth.verify import TokenVerifier

__all__ = [
    "ADMIN_PROVINSI",
    "ANGGOTA_KIM",
    "KNOWN_ROLES",
    "MODERATOR",
    "NATIONWIDE_ROLES",
    "OPERATOR_KABUPATEN",
    "PELAKU_UMKM",
    "PENDAMPING",
    "PENGELOLA_KIM",
    "AuthUnavailable",
    "ChainKeySource",
    "CurrentPrincipal",
    "DevKeyPair",
    "Forbidden",
    "JwksKeySource",
    "KeySource",
    "NotFound",
    "OptionalPrincipal",
    "Principal",
    "StaticKeySource",
    "TokenVerifier",
    "Unauthorized",
    "claims_for_principal",
    "create_token_verifier",
    "dev_keys_enabled",
    "ensure_region_visible",
    "get_optional_principal",
    "get_principal",
    "get_token_verifier",
    "load_or_create_dev_keys",
    "mint_token",
    "parse_jwks",
    "principal_from_claims",
    "require_roles",
    "rsa_thumbprint",
]
