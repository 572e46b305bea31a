"""FastAPI dependencies for authentication and role checks.

The service lifespan stores the verifier on the app::

    app.state.token_verifier = create_token_verifier(settings)

(the HTTP kit renders auth errors like every other error). Routes then use
:data:`CurrentPrincipal`, :data:`OptionalPrincipal` or :func:`require_roles`.
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations of
# RoleRequirement.__call__ at run time, and an instance has no module globals to
# resolve string annotations against.
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kim_shared.auth.errors import Forbidden, Unauthorized
from kim_shared.auth.principal import KNOWN_ROLES, Principal
from kim_shared.auth.verify import TokenVerifier

STATE_ATTR = "token_verifier"
PRINCIPAL_STATE = "principal"
"""Request-state key of a principal already verified for this request (by the request guard)."""

_bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="OIDC access token (RS256) from the KIM identity provider.",
)


def verifier_of(app: Any) -> TokenVerifier:
    """The verifier the lifespan put on ``app.state.token_verifier``."""
    verifier = getattr(app.state, STATE_ATTR, None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError(
            "app.state.token_verifier is not set: create it in the lifespan "
            "with kim_shared.auth.create_token_verifier(settings)"
        )
    return verifier


async def get_token_verifier(request: Request) -> TokenVerifier:
    """Dependency: the app's verifier (``async``: no hop to FastAPI's thread pool)."""
    return verifier_of(request.app)


Verifier = Annotated[TokenVerifier, Depends(get_token_verifier)]


async def bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> str | None:
    """The bearer token, ``None`` without ``Authorization``; 401 for another scheme."""
    if credentials is not None:
        return credentials.credentials
    if request.headers.get("Authorization"):
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    return None


async def get_optional_principal(
    request: Request, verifier: Verifier, token: Annotated[str | None, Depends(bearer_token)]
) -> Principal | None:
    """The caller, or ``None`` when anonymous; a token that is sent must be valid."""
    verified = getattr(request.state, PRINCIPAL_STATE, None)
    if isinstance(verified, Principal):
        return verified
    if token is None:
        return None
    return await verifier.verify(token)


async def get_principal(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    """The authenticated caller; 401 when no token is sent."""
    if principal is None:
        raise Unauthorized(
            "Authentication is required: send 'Authorization: Bearer <token>'.", error=None
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
"""The authenticated caller (401 otherwise)."""

OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
"""The caller or ``None`` for anonymous requests (an invalid token is still a 401)."""


class RoleRequirement:
    """A dependency returning the caller if they hold any of ``roles`` (403 otherwise).

    A class rather than a closure so that the roles stay readable from the route's
    dependency tree: the OpenAPI document (:mod:`kim_shared.http.openapi`) names them
    and documents the 403.
    """

    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(self.roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(self.roles))}.")
        return principal


def require_roles(*roles: str) -> RoleRequirement:
    """A dependency returning the caller if they hold any of ``roles`` (403 otherwise).

    Use as ``Annotated[Principal, Depends(require_roles("moderator"))]`` or in a
    route's ``dependencies=[...]``.
    """
    if not roles:
        raise ValueError("require_roles needs at least one role")
    unknown = set(roles) - KNOWN_ROLES
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    return RoleRequirement(frozenset(roles))
