"""Build the :class:`TokenVerifier` from settings (call it in the service lifespan).

Key sources, in lookup order:

1. ``auth_public_key_file``: one PEM RSA public key; its ``kid`` is the RFC 7638
   thumbprint of the key (tokens must carry that ``kid``).
2. ``auth_dev_keys``: the local dev key pair in ``auth_dev_key_dir`` (generated
   on first use). Never used when ``environment`` is ``production``, whatever
   the flag says (the settings already refuse that combination).
3. ``auth_jwks_url``: the identity provider's JWKS (Keycloak in production).
"""

from __future__ import annotations

from kim_shared.auth.keys import load_or_create_dev_keys, load_public_key_file, rsa_thumbprint
from kim_shared.auth.keysources import (
    ChainKeySource,
    JwksFetcher,
    JwksKeySource,
    KeySource,
    StaticKeySource,
    urllib_jwks_fetcher,
)
from kim_shared.auth.verify import TokenVerifier
from kim_shared.settings import ServiceSettings


def dev_keys_enabled(settings: ServiceSettings) -> bool:
    """Whether the local dev issuer may be trusted under ``settings``."""
    return settings.auth_dev_keys and settings.environment != "production"


def create_token_verifier(
    settings: ServiceSettings, *, jwks_fetcher: JwksFetcher | None = None
) -> TokenVerifier:
    """A verifier for ``settings``; ``jwks_fetcher`` replaces the HTTP fetch (tests).

    Raises :class:`ValueError` when no key source is configured.
    """
    sources: list[KeySource] = []
    if settings.auth_public_key_file:
        key = load_public_key_file(settings.auth_public_key_file)
        sources.append(StaticKeySource({rsa_thumbprint(key): key}))
    if dev_keys_enabled(settings):
        pair = load_or_create_dev_keys(settings.auth_dev_key_dir)
        sources.append(StaticKeySource({pair.kid: pair.public_key}))
    if settings.auth_jwks_url:
        fetch = jwks_fetcher or urllib_jwks_fetcher(settings.auth_jwks_url)
        sources.append(JwksKeySource(fetch))
    if not sources:
        raise ValueError(
            "no token key source: set KIM_AUTH_JWKS_URL, KIM_AUTH_PUBLIC_KEY_FILE "
            "or KIM_AUTH_DEV_KEYS=true (not in production)"
        )
    keys: KeySource = sources[0] if len(sources) == 1 else ChainKeySource(sources)
    return TokenVerifier(keys, issuer=settings.auth_issuer, audience=settings.auth_audience)
