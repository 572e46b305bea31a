"""Refuse what must be refused before a request body is read.

FastAPI reads and parses the JSON body before it runs a route's dependencies,
so without this an anonymous caller posting malformed JSON learns "422" (and
makes the service parse it) instead of "401", and any body is read whatever
its size. :class:`RequestGuard` is pure ASGI middleware that, for requests
that carry a body (POST, PUT, PATCH, DELETE):

1. answers 413 when ``Content-Length`` exceeds the limit, or when a body sent
   without a length grows past it (such a body is buffered up to the limit);
2. when the matched route needs an authenticated caller (its dependencies
   include :func:`kim_shared.auth.deps.get_principal`), verifies the bearer
   token first and answers 401 without reading the body. The verified
   principal is kept in the request state, so the route's dependency does
   not verify it again.

Routes that accept anonymous writes (an ``OptionalPrincipal``) are let through.
"""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kim_shared.auth.deps import PRINCIPAL_STATE, get_principal, verifier_of
from kim_shared.auth.errors import Unauthorized
from kim_shared.errors import DomainError, PayloadTooLarge
from kim_shared.http.problems import problem_from_domain_error
from kim_shared.http.routes import api_routes

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is get_principal or _needs_principal(d) for d in dependant.dependencies)


class RequestGuard:
    """Body size cap and authentication before the body (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._needs_auth: dict[int, tuple[Dependant, bool]] = {}
        # The app's API routes, resolved once per set of routes rather than per request
        # (FastAPI builds every included route's context on each walk).
        self._routes: tuple[int, int, list[RouteContext]] = (0, -1, [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        try:
            declared = self._declared_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                raise self._too_large(declared)
            await self._authenticate(scope)
            if declared is None:
                receive = await self._buffered(receive)
        except DomainError as error:
            response = problem_from_domain_error(error).response(scope["path"])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _too_large(self, size: int | None) -> PayloadTooLarge:
        got = f" ({size} bytes)" if size is not None else ""
        return PayloadTooLarge(
            f"The request body is too large{got}: at most {self.max_body_bytes} bytes are accepted."
        )

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    def _api_routes(self, scope: Scope) -> list[RouteContext]:
        app: Any = scope.get("app")
        routes = getattr(getattr(app, "router", None), "routes", ())
        key, size, cached = self._routes
        if key != id(routes) or size != len(routes):
            cached = list(api_routes(routes))
            self._routes = (id(routes), len(routes), cached)
        return cached

    def _route_needs_principal(self, scope: Scope) -> bool:
        for route in self._api_routes(scope):
            match, _ = route.matches(scope)
            if match is Match.FULL:
                dependant: Dependant = route.dependant
                cached = self._needs_auth.get(id(dependant))
                if cached is None or cached[0] is not dependant:
                    cached = (dependant, _needs_principal(dependant))
                    self._needs_auth[id(dependant)] = cached
                return cached[1]
        return False

    async def _authenticate(self, scope: Scope) -> None:
        if not self._route_needs_principal(scope):
            return
        authorization = next(
            (v.decode("latin-1") for n, v in scope["headers"] if n == b"authorization"), None
        )
        if not authorization:
            raise Unauthorized(
                "Authentication is required: send 'Authorization: Bearer <token>'.", error=None
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
        principal = await verifier_of(scope["app"]).verify(token.strip())
        scope.setdefault("state", {})[PRINCIPAL_STATE] = principal

    async def _buffered(self, receive: Receive) -> Receive:
        """Read a body sent without ``Content-Length``, refusing it past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large(None)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay
