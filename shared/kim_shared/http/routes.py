"""The API routes of an app, wherever they were included.

FastAPI (0.16x) no longer copies an included router's routes into ``app.routes``: the
app keeps one entry per ``include_router`` and resolves the routes behind it (with the
prefix, tags and dependencies of the inclusion) when it matches or documents them. Kit
pieces that reason about routes (the request guard, the OpenAPI description) therefore
walk :func:`fastapi.routing.iter_route_contexts`, as FastAPI's own ``get_openapi`` does;
iterating ``app.routes`` for :class:`~fastapi.routing.APIRoute` finds only the routes
declared on the app itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[RouteContext]:
    """Every API route of ``routes`` as FastAPI serves it (the effective path, methods,
    dependency tree and responses), included routers' routes among them."""
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def allowed_methods(scope: Scope) -> list[str] | None:
    """Every method served at the path of a 405's matched route, or None without one.

    Starlette answers a 405 with the methods of the *first* route whose path matched, but
    FastAPI makes one route per decorated function: ``GET`` and ``PATCH /kim/{kim_id}``
    are two routes, so ``Allow`` named only ``GET``. This unites the methods of every
    route with the same path template that matches the request's path (the documented
    ones, when there are any: a hidden route may exist only to answer 405).
    """
    matched = scope.get("route")
    template = getattr(matched, "path_format", None)
    router = getattr(scope.get("app"), "router", None)
    if template is None or router is None:
        return None
    documented: set[str] = set()
    hidden: set[str] = set()
    for route in api_routes(router.routes):
        if route.path_format == template and route.matches(scope)[0] is not Match.NONE:
            (documented if route.include_in_schema else hidden).update(route.methods or ())
    return sorted(documented or hidden) or None
