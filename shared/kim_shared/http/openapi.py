"""Make a service's OpenAPI document say what the service really answers.

Other agencies generate clients from ``/openapi.json``, so it must be true. FastAPI
documents the happy path, a 422 in its own JSON shape, and bearer security on every
route whose dependencies mention the bearer scheme (public reads included). The kit
knows more, and :func:`install_openapi` writes it into the document once, when it is
first built, by reading each route's dependency tree (routes stay thin):

* a dependency on :func:`~kim_shared.auth.deps.get_principal` → bearer token required,
  401 (also 503 while the identity provider's keys cannot be had); a
  :class:`~kim_shared.auth.deps.RoleRequirement` → 403 naming the roles;
* only :func:`~kim_shared.auth.deps.get_optional_principal` → optional security
  (``[{}, {"HTTPBearer": []}]``) and 401 for a token that is sent but not valid;
* a path parameter → 404 (missing, or another tenant's: DESIGN §5);
* a request body → 400 when it cannot be read as JSON text (FastAPI's answer to bytes
  that are not UTF-8); any parameter or body → 422; a write method (the request guard's
  ``BODY_METHODS``) → 413 and 409 (a rule, a duplicate or a concurrent change);
* ``Idempotency-Key`` → 400 (malformed key), 409 (still in flight), 422 (reused
  with another body);
* ``If-Match`` → 412 (with the current ``ETag``); read by
  :func:`~kim_shared.http.concurrency.required_if_match` → the header is
  ``required`` and a missing one is a 428.

Every error response is ``application/problem+json`` with the shared ``Problem``
schema (RFC 9457, as :mod:`kim_shared.http.problems` renders it). A route adds or
overrides statuses with FastAPI's ``responses=``: its description wins, the content
stays a problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext
from starlette.routing import BaseRoute

from kim_shared.auth.deps import RoleRequirement, get_optional_principal, get_principal
from kim_shared.http.concurrency import HEADER as IF_MATCH
from kim_shared.http.concurrency import required_if_match
from kim_shared.http.guard import BODY_METHODS
from kim_shared.http.idempotency import HEADER as IDEMPOTENCY_KEY
from kim_shared.http.problems import PROBLEM_JSON
from kim_shared.http.routes import api_routes

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error answer (RFC 9457 problem details). Members beyond these are "
    "extensions and may be added.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "description": "The kind of problem: https://kim.example/problems/<slug> "
            "(about:blank when the status says it all).",
        },
        "title": {"type": "string", "description": "Short summary of the kind of problem."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong with this request."},
        "instance": {"type": "string", "description": "The path of the request."},
        "correlation_id": {
            "type": "string",
            "description": "Quote it when reporting the problem: it finds the log lines.",
        },
        "errors": {
            "type": "array",
            "description": "Every offending input (422 and some 400/409 answers).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {
                        "type": "string",
                        "description": "Where: body.name, body.links[0], query.limit, …",
                    },
                    "message": {"type": "string"},
                },
            },
        },
    },
}

_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": 'Bearer realm="kim", with error="invalid_token" when a token was sent.',
        "required": True,
        "schema": {"type": "string"},
    }
}
_CURRENT_ETAG = {
    "ETag": {
        "description": "The current version of the resource.",
        "required": True,
        "schema": {"type": "string"},
    }
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait (the same Idempotency-Key is still in flight).",
        "schema": {"type": "string"},
    }
}


@dataclass(frozen=True)
class RouteFacts:
    """What a route's dependency tree says about its errors and security."""

    needs_principal: bool
    optional_principal: bool
    roles: tuple[frozenset[str], ...]
    headers: frozenset[str]
    if_match_required: bool
    path_params: bool
    body: bool
    any_params: bool
    writes: bool


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def route_facts(route: RouteContext) -> RouteFacts:
    """The facts of ``route`` (every method it serves shares one dependency tree)."""
    tree = list(_walk(route.dependant))
    calls = [d.call for d in tree]
    needs_principal = any(c is get_principal for c in calls)
    return RouteFacts(
        needs_principal=needs_principal,
        optional_principal=not needs_principal and any(c is get_optional_principal for c in calls),
        roles=tuple(c.roles for c in calls if isinstance(c, RoleRequirement)),
        headers=frozenset(str(f.alias) for d in tree for f in d.header_params),
        if_match_required=any(c is required_if_match for c in calls),
        path_params=any(d.path_params for d in tree),
        body=route.body_field is not None,
        any_params=route.body_field is not None
        or any(d.path_params or d.query_params or d.header_params for d in tree),
        writes=bool((route.methods or set()) & BODY_METHODS),
    )


def error_statuses(facts: RouteFacts) -> dict[int, str]:
    """The error statuses the kit can answer for a route, with what each means there."""
    out: dict[int, list[str]] = {}

    def add(status: int, why: str) -> None:
        out.setdefault(status, []).append(why)

    if facts.needs_principal:
        add(401, "No bearer token, or one that is not valid.")
        add(503, "The identity provider's signing keys cannot be obtained; retry later.")
    elif facts.optional_principal:
        add(401, "A bearer token was sent but is not valid (send none to act anonymously).")
        add(503, "The identity provider's signing keys cannot be obtained; retry later.")
    for roles in facts.roles:
        add(403, f"The token holds none of the roles: {', '.join(sorted(roles))}.")
    if facts.path_params:
        add(404, "Not found, or outside the caller's region (answered like a missing one).")
    if IDEMPOTENCY_KEY in facts.headers:
        add(400, f"Malformed {IDEMPOTENCY_KEY} (empty, too long or not printable ASCII).")
        add(409, f"A request with the same {IDEMPOTENCY_KEY} is still being processed.")
        add(422, f"The {IDEMPOTENCY_KEY} was already used with another body.")
    if facts.body:
        add(400, "The body cannot be read as JSON text (e.g. it is not UTF-8).")
    if facts.writes:
        add(409, "The current state forbids it: a rule, a duplicate or a concurrent change.")
        add(413, "The request body is larger than the service accepts.")
    if IF_MATCH in facts.headers:
        add(412, "If-Match does not name the current version (its ETag comes with the answer).")
        if facts.if_match_required:
            add(428, "If-Match is missing (or *): send the ETag you last read.")
        else:
            add(428, "If-Match: * is not accepted: send the ETag you last read.")
    if facts.any_params:
        add(422, "Invalid input: `errors` names every offending field.")
    return {status: " ".join(whys) for status, whys in sorted(out.items())}


def _headers(facts: RouteFacts, status: int) -> Mapping[str, Any]:
    """Headers that come with an error status (WWW-Authenticate, ETag, Retry-After)."""
    if status == 401:
        return _WWW_AUTHENTICATE
    if status == 412:
        return _CURRENT_ETAG
    if status == 409 and IDEMPOTENCY_KEY in facts.headers:
        return _RETRY_AFTER
    return {}


def _problem_response(description: str, headers: Mapping[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if headers:
        response["headers"] = dict(headers)
    return response


def _declared_descriptions(route: RouteContext) -> dict[int, str]:
    """Error statuses the route declares itself (``responses=``), with their descriptions."""
    out: dict[int, str] = {}
    for key, value in route.responses.items():
        status = int(key)
        if status >= 400 and isinstance(value, Mapping) and "description" in value:
            out[status] = str(value["description"])
    return out


def _security(facts: RouteFacts, current: list[dict[str, list[str]]] | None) -> Any:
    if facts.needs_principal:
        return current
    if facts.optional_principal and current:
        return [{}, *current]
    return None


def describe_operation(operation: dict[str, Any], route: RouteContext) -> None:
    """Rewrite one operation of ``route`` in place (see the module docstring)."""
    facts = route_facts(route)
    security = _security(facts, operation.get("security"))
    if security is None:
        operation.pop("security", None)
    else:
        operation["security"] = security
    if facts.if_match_required:
        for parameter in operation.get("parameters", ()):
            if parameter.get("in") == "header" and parameter.get("name") == IF_MATCH:
                parameter["required"] = True
    statuses = error_statuses(facts)
    statuses.update(_declared_descriptions(route))
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for key in [k for k in responses if k.isdigit() and int(k) >= 400]:
        del responses[key]
    for status, description in sorted(statuses.items()):
        responses[str(status)] = _problem_response(description, _headers(facts, status))


def describe(document: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """``document`` with every route's errors, security and preconditions described."""
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format or "", {}).get(method.lower())
            if operation is not None:
                describe_operation(operation, route)
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own 422 shape: the kit never answers it, so drop it once nothing refers to it.
    schemas.pop("HTTPValidationError", None)
    if '"#/components/schemas/ValidationError"' not in json.dumps(document):
        schemas.pop("ValidationError", None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Build ``app``'s OpenAPI document through :func:`describe` (once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point
