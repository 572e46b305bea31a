"""Authentication and authorization errors: members of the one domain error family.

They render like every other :class:`~kim_shared.errors.DomainError` (one
problem handler in :mod:`kim_shared.http.problems`). A 401 answer also
carries ``WWW-Authenticate: Bearer`` (RFC 6750).
"""

from __future__ import annotations

import re

from kim_shared.errors import DomainError, Forbidden, NotFound, Unavailable

__all__ = ["AuthUnavailable", "Forbidden", "NotFound", "Unauthorized"]

BEARER_REALM = "kim"

_UNSAFE_HEADER_CHARS = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


class Unauthorized(DomainError):
    """401: no credentials, or credentials that cannot be trusted.

    ``error`` is the RFC 6750 error code: ``None`` when no token was sent at
    all, ``"invalid_token"`` when a token was sent but rejected.
    """

    status = 401
    default_slug = "unauthorized"

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        super().__init__(detail)
        self.error = error

    def headers(self) -> dict[str, str]:
        """``WWW-Authenticate: Bearer`` with the RFC 6750 error attributes."""
        value = f'Bearer realm="{BEARER_REALM}"'
        if self.error is not None:
            description = _UNSAFE_HEADER_CHARS.sub("", self.detail)
            value += f', error="{self.error}", error_description="{description}"'
        return {"WWW-Authenticate": value}


class AuthUnavailable(Unavailable):
    """503: the signing keys cannot be obtained (identity provider unreachable)."""
