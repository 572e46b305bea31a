"""Bearer-token verification: RS256 only, ``iss``/``aud``/``exp`` required, ``kid`` required.

The algorithm is pinned: the token header's ``alg`` is never trusted, so
``alg=none`` and HS256 tokens "signed" with the public key are rejected before
any key is used. Every failure raises :class:`Unauthorized` with an English
``detail``.
"""

from __future__ import annotations

from typing import Final

import jwt
from jwt import exceptions as jwt_errors

from kim_shared.auth.claims import principal_from_claims
from kim_shared.auth.errors import Unauthorized
from kim_shared.auth.keysources import KeySource
from kim_shared.auth.principal import Principal

ALGORITHM: Final = "RS256"
REQUIRED_CLAIMS: Final = ("exp", "iss", "aud", "sub")
DEFAULT_LEEWAY_S: Final = 30.0


class TokenVerifier:
    """Verifies bearer JWTs against a :class:`KeySource` for one issuer and audience."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway: float = DEFAULT_LEEWAY_S,
    ) -> None:
        self._keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Principal:
        """Return the :class:`Principal` of a valid ``token`` or raise :class:`Unauthorized`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError as exc:
            raise Unauthorized("The bearer token is malformed.") from exc
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise Unauthorized(f"The token algorithm {alg!r} is not accepted; only RS256 is.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("The token header has no key id ('kid').")
        key = await self._keys.get_key(kid)
        if key is None:
            raise Unauthorized(f"The token was signed with an unknown key ({kid!r}).")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt_errors.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt_errors.InvalidAudienceError as exc:
            raise Unauthorized(f"The token is not meant for audience {self.audience!r}.") from exc
        except jwt_errors.InvalidIssuerError as exc:
            raise Unauthorized(f"The token was not issued by {self.issuer!r}.") from exc
        except jwt_errors.MissingRequiredClaimError as exc:
            raise Unauthorized(f"The token lacks the required claim {exc.claim!r}.") from exc
        except jwt_errors.ImmatureSignatureError as exc:
            raise Unauthorized("The token is not valid yet.") from exc
        except jwt_errors.InvalidSignatureError as exc:
            raise Unauthorized("The token signature is invalid.") from exc
        except jwt_errors.PyJWTError as exc:
            raise Unauthorized("The bearer token is invalid.") from exc
        return principal_from_claims(claims)
