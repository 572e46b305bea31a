"""OIDC sign-in for production (Keycloak): authorization code with PKCE (S256) through
Authlib; the access token is verified against the issuer's JWKS like the services do."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth

from kim_portal.settings import PortalSettings
from kim_portal.web.session import User
from kim_shared.auth.keysources import JwksKeySource, urllib_jwks_fetcher
from kim_shared.auth.verify import TokenVerifier

PROVIDER = "kim"


def create_oauth(settings: PortalSettings) -> OAuth | None:
    """The OAuth registry, when an issuer and client are configured."""
    if not (settings.oidc_issuer_url and settings.oidc_client_id):
        return None
    oauth = OAuth()
    secret = settings.oidc_client_secret
    oauth.register(
        name=PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        server_metadata_url=(
            settings.oidc_issuer_url.rstrip("/") + "/.well-known/openid-configuration"
        ),
        client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256"},
    )
    return oauth


async def user_from_tokens(
    oauth: OAuth, settings: PortalSettings, tokens: dict[str, Any]
) -> tuple[User, str]:
    """The user of a verified access token (roles and region from its claims)."""
    client: Any = oauth.create_client(PROVIDER)
    metadata = await client.load_server_metadata()
    verifier = TokenVerifier(
        JwksKeySource(urllib_jwks_fetcher(str(metadata["jwks_uri"]))),
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
    )
    access = str(tokens["access_token"])
    principal = await verifier.verify(access)
    user = User(
        subject=principal.subject,
        roles=tuple(sorted(principal.roles)),
        region=principal.region_scope,
        name=principal.name,
        kim_ids=tuple(principal.kim_ids),
    )
    return user, access
