"""Signing tokens locally (dev key pair, tests). Production tokens come from Keycloak."""

from __future__ import annotations

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from kim_shared.auth.claims import claims_for_principal
from kim_shared.auth.keys import load_or_create_dev_keys
from kim_shared.auth.principal import Principal
from kim_shared.auth.verify import ALGORITHM
from kim_shared.settings import ServiceSettings

DEFAULT_TTL_S = 3600


def mint_token(
    private_key: rsa.RSAPrivateKey,
    kid: str,
    principal: Principal,
    *,
    issuer: str,
    audience: str,
    ttl: int = DEFAULT_TTL_S,
    now: int | None = None,
) -> str:
    """An RS256 token for ``principal`` signed with ``private_key`` under ``kid``."""
    issued_at = int(time.time()) if now is None else now
    claims = {
        **claims_for_principal(principal),
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + ttl,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def mint_dev_token(
    settings: ServiceSettings, principal: Principal, *, ttl: int = DEFAULT_TTL_S
) -> str:
    """A token signed with the local dev key pair for ``settings``' issuer and audience.

    Raises :class:`OSError` or :class:`ValueError` when the dev keys cannot be used.
    """
    pair = load_or_create_dev_keys(settings.auth_dev_key_dir)
    return mint_token(
        pair.private_key,
        pair.kid,
        principal,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        ttl=ttl,
    )
