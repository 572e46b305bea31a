"""RFC 9457 problem details (``application/problem+json``) for every error answer.

Code raises the HTTP-free errors of :mod:`kim_shared.errors` (one family, each knowing
its status); :func:`install_problem_handlers` renders those, request validation errors
(422 with an ``errors`` list), Starlette HTTP errors (404 unknown route, 405, ...),
PostgreSQL constraint and data errors (409/422, so bad input is never a 500), an
infrastructure outage (the database refusing or losing connections: 503 with
``Retry-After``, the same errors a consumer retries forever) and, last, any unexpected
exception (500 with a generic detail; the traceback goes to the log, never to the client).
Every body carries ``correlation_id`` when a trace is bound, so a user can quote it and an
operator can find the log lines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
from asyncpg.exceptions._base import DataError as ClientDataError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kim_shared.errors import Conflict, DomainError, Invalid
from kim_shared.http.routes import allowed_methods
from kim_shared.inbox.errors import Retry, classify
from kim_shared.tracing import current_correlation_id

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://kim.example/problems"
MAX_LISTED_ERRORS = 50
MAX_MESSAGE_CHARS = 300

log = logging.getLogger(__name__)


def problem_type(slug: str) -> str:
    """The type URI of a KIM problem, e.g. ``https://kim.example/problems/conflict``."""
    return f"{PROBLEM_BASE}/{slug}"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem:
    """An error answer as ``application/problem+json`` (the rendering, not an exception).

    ``slug`` gives ``type = https://kim.example/problems/<slug>``; without it the
    type is ``about:blank`` and ``title`` defaults to the status phrase.
    ``extensions`` become extra members of the body (e.g. ``errors``).
    """

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        slug: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail
        self.type = problem_type(slug) if slug else "about:blank"
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.headers: dict[str, str] = dict(headers or {})

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The JSON members: type, title, status, detail, instance, extensions."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        correlation_id = current_correlation_id()
        if correlation_id is not None:
            body["correlation_id"] = correlation_id
        for key, value in self.extensions.items():
            body.setdefault(key, value)
        return body

    def response(self, instance: str | None = None) -> Response:
        """A ``Response`` with the problem body (no body for 204/304)."""
        if self.status in (204, 304) or self.status < 200:
            return Response(status_code=self.status, headers=self.headers)
        return JSONResponse(
            self.body(instance),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_JSON,
        )


# --- domain errors ----------------------------------------------------------------------


def problem_from_domain_error(exc: DomainError) -> Problem:
    """The problem for any member of the error family (status and headers from the error).

    ``errors`` (or ``field``) become an ``errors`` list as in validation errors.
    """
    extensions = {"errors": [i.as_json() for i in exc.errors]} if exc.errors else None
    headers = exc.headers()
    return Problem(exc.status, exc.detail, slug=exc.slug, extensions=extensions, headers=headers)


# --- validation errors ----------------------------------------------------------------


def _field(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "request"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def validation_problem(errors: Sequence[Any]) -> Problem:
    """422 listing ``{"field": "body.name", "message": ...}``; input values are never echoed."""
    items: list[dict[str, str]] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            position = f" at character {loc[1]}" if len(loc) > 1 else ""
            items.append({"field": "body", "message": _clip(f"Invalid JSON: {reason}{position}")})
            continue
        items.append({"field": _field(loc), "message": _clip(str(error.get("msg", "invalid")))})
    shown = items[:MAX_LISTED_ERRORS]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in shown[:3])
    more = f" (and {len(items) - 3} more)" if len(items) > 3 else ""
    return Problem(
        422,
        f"Invalid request: {summary}{more}.",
        title="Invalid request",
        slug="validation-error",
        extensions={"errors": shown},
    )


# --- database errors -------------------------------------------------------------------

_KEY_COLUMNS = re.compile(r"Key \((?P<cols>[^)]*)\)=")
_TYPE_IN_MESSAGE = re.compile(r"for type (?P<type>[\w ]+(?:\(\d+(?:,\d+)?\))?)")


def _columns(exc: asyncpg.PostgresError) -> str | None:
    match = _KEY_COLUMNS.search(exc.detail or "")
    return match.group("cols") if match else None


def error_from_db(
    exc: Exception, constraint_messages: Mapping[str, str] | None = None
) -> DomainError | None:
    """The domain error (409/422) for a PostgreSQL error caused by input; else None.

    Values are never echoed (they may be personal data); the message names the
    columns or constraint. ``constraint_messages`` maps a constraint name to a
    friendlier detail, e.g. ``{"kim_name_desa_key": "A KIM with this name already
    exists in the desa."}``. asyncpg's client-side ``DataError`` (an argument it
    cannot encode, such as an integer out of range) is bad input too.
    """
    messages = constraint_messages or {}
    if isinstance(exc, ClientDataError):
        return Invalid("A value is not valid for its field.", slug="invalid-data")
    if not isinstance(exc, asyncpg.PostgresError):
        return None
    constraint = exc.constraint_name
    custom = messages.get(constraint) if constraint else None
    table = f" in {exc.table_name}" if exc.table_name else ""
    if isinstance(exc, asyncpg.UniqueViolationError):
        cols = _columns(exc)
        what = f"the same {cols}" if cols else f"a conflicting key ({constraint})"
        return Conflict(custom or f"A record with {what} already exists{table}.", slug="duplicate")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        if "still referenced" in (exc.detail or ""):
            return Conflict(
                custom or f"The record is still referenced by other records ({constraint}).",
                slug="still-referenced",
            )
        cols = _columns(exc) or constraint
        return Invalid(custom or f"The referenced {cols} does not exist.", slug="unknown-reference")
    if isinstance(exc, asyncpg.ExclusionViolationError):
        return Conflict(custom or f"The record overlaps an existing one ({constraint}).")
    if isinstance(exc, asyncpg.NotNullViolationError):
        column = exc.column_name or "A field"
        return Invalid(custom or f"{column} is required{table}.", slug="invalid-data")
    if isinstance(exc, asyncpg.CheckViolationError):
        return Invalid(
            custom or f"The data breaks the rule {constraint}{table}.", slug="invalid-data"
        )
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return Conflict(custom or f"The change violates constraint {constraint}.")
    if isinstance(exc, asyncpg.StringDataRightTruncationError):
        match = _TYPE_IN_MESSAGE.search(str(exc))
        limit = f" (column type {match.group('type')})" if match else ""
        return Invalid(f"A text value is too long{limit}.", slug="invalid-data")
    if isinstance(exc, asyncpg.NumericValueOutOfRangeError):
        match = _TYPE_IN_MESSAGE.search(str(exc))
        if match:
            limit = f" for type {match.group('type')}"
        elif str(exc).startswith("numeric field overflow") and exc.detail:
            limit = f": {exc.detail}"  # precision/scale only, no value
        else:
            limit = ""
        return Invalid(f"A number is out of range{limit}.", slug="invalid-data")
    if isinstance(exc, asyncpg.InvalidTextRepresentationError):
        match = _TYPE_IN_MESSAGE.search(str(exc))
        kind = f" for type {match.group('type')}" if match else ""
        return Invalid(f"A value has an invalid format{kind}.", slug="invalid-data")
    if isinstance(exc, asyncpg.DataError):
        return Invalid("A value is not valid for its field.", slug="invalid-data")
    if isinstance(exc, asyncpg.TransactionRollbackError):  # serialization, deadlock
        return Conflict(
            "The request conflicted with a concurrent change and was rolled back; retry it.",
            slug="concurrent-change",
        )
    return None


# --- handlers --------------------------------------------------------------------------


def internal_error_problem() -> Problem:
    return Problem(
        500,
        "An unexpected error occurred. It was logged; quote the correlation_id when reporting it.",
        slug="internal-error",
    )


async def _domain_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_from_domain_error(exc).response(request.url.path)


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc.errors()).response(request.url.path)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    extensions: dict[str, Any] = {}
    detail: str | None = None
    if isinstance(exc.detail, str):
        detail = exc.detail if exc.detail != _phrase(status) else None
    elif exc.detail is not None:  # FastAPI allows any JSON value as detail
        extensions["data"] = exc.detail
    if detail is None and status == 404:
        detail = f"Nothing is found at {request.method} {request.url.path}."
    headers = dict(exc.headers or {})
    if status == 405:
        methods = allowed_methods(request.scope)
        if methods is not None:
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = ", ".join(methods)
    if detail is None and status == 405:
        allowed = headers.get("Allow") or headers.get("allow")
        detail = f"{request.method} is not allowed on {request.url.path}" + (
            f"; allowed: {allowed}." if allowed else "."
        )
    slug = _phrase(status).lower().replace(" ", "-")  # 404 → not-found, like NotFound
    problem = Problem(status, detail, slug=slug, extensions=extensions, headers=headers)
    return problem.response(request.url.path)


def _db_handler(
    constraint_messages: Mapping[str, str] | None,
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        error = error_from_db(exc, constraint_messages)
        if error is None:
            return await _unhandled_handler(request, exc)
        # Not str(exc): PostgreSQL messages quote the offending values (personal data).
        log.info(
            "database rejected input: %s (constraint %s)",
            type(exc).__name__,
            getattr(exc, "constraint_name", None),
        )
        return problem_from_domain_error(error).response(request.url.path)

    return handler


def unavailable_problem() -> Problem:
    return Problem(
        503,
        "A service this request needs (its database) is unavailable right now. Nothing was "
        "changed; retry in a few seconds.",
        slug="service-unavailable",
        headers={"Retry-After": "5"},
    )


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    if classify(exc) is Retry.FOREVER:  # connection refused or lost, server shutting down
        log.warning(
            "infrastructure unavailable on %s %s: %r", request.method, request.url.path, exc
        )
        return unavailable_problem().response(request.url.path)
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error_problem().response(request.url.path)


class UnhandledErrorMiddleware:
    """Turn an exception escaping the routes into a logged 500 problem.

    It sits inside the tracing and metrics middleware, so the 500 answer still
    gets ``X-Correlation-ID`` and is counted (Starlette's own ``Exception``
    handler runs outside every middleware). If the response had already
    started, the exception is re-raised: nothing else can be sent.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if started:
                raise
            request = Request(scope)
            response = await _unhandled_handler(request, exc)
            await response(scope, receive, send)


def install_problem_handlers(
    app: FastAPI, *, constraint_messages: Mapping[str, str] | None = None
) -> None:
    """Register problem+json rendering for every error on ``app`` (see module doc).

    Adds :class:`UnhandledErrorMiddleware`; call this before adding other
    middleware that should see the 500 answers (``install_http_kit`` does).
    """
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(HTTPException, _http_exception_handler)
    db_handler = _db_handler(constraint_messages)
    for exc_class in (
        asyncpg.IntegrityConstraintViolationError,
        asyncpg.DataError,
        asyncpg.TransactionRollbackError,
        ClientDataError,
    ):
        app.add_exception_handler(exc_class, db_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
    app.add_middleware(UnhandledErrorMiddleware)
