"""Authentication and authorization errors, rendered as RFC 9457 problem details.

Dependencies and helpers in this package raise :class:`AuthError` subclasses;
:func:`install_auth_error_handlers` registers one handler that turns them into
``application/problem+json`` answers. A 401 answer also carries
``WWW-Authenticate: Bearer`` (RFC 6750). Rendering goes through
:class:`kim_shared.http.problems.Problem`, like every other error.
"""

from __future__ import annotations

import re
from typing import ClassVar

from fastapi import FastAPI, Request
from starlette.responses import Response

from kim_shared.http.problems import Problem

BEARER_REALM = "kim"

_UNSAFE_HEADER_CHARS = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


class AuthError(Exception):
    """Base class: an HTTP problem raised while authenticating or authorizing."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def headers(self) -> dict[str, str]:
        """Extra response headers for this problem."""
        return {}

    def problem(self) -> Problem:
        """The RFC 9457 problem (``type`` is ``about:blank``: the status says it all)."""
        return Problem(self.status, self.detail, title=self.title, headers=self.headers())


class Unauthorized(AuthError):
    """401: no credentials, or credentials that cannot be trusted.

    ``error`` is the RFC 6750 error code: ``None`` when no token was sent at
    all, ``"invalid_token"`` when a token was sent but rejected.
    """

    status = 401
    title = "Unauthorized"

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


class Forbidden(AuthError):
    """403: authenticated, but the principal lacks the required role."""

    status = 403
    title = "Forbidden"


class NotFound(AuthError):
    """404: the resource is outside the principal's region (answered as absent)."""

    status = 404
    title = "Not Found"


class AuthUnavailable(AuthError):
    """503: the signing keys cannot be obtained (identity provider unreachable)."""

    status = 503
    title = "Service Unavailable"


async def auth_error_handler(request: Request, exc: Exception) -> Response:
    """Render an :class:`AuthError` as ``application/problem+json``."""
    if not isinstance(exc, AuthError):  # pragma: no cover - registered for AuthError only
        raise exc
    return exc.problem().response(request.url.path)


def install_auth_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handler for every :class:`AuthError` on ``app``."""
    app.add_exception_handler(AuthError, auth_error_handler)
