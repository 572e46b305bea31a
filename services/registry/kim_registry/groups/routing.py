"""HTTP plumbing shared by the groups routes: error rendering, If-Match, today.

:class:`GroupsRoute` turns :class:`~kim_registry.groups.errors.GroupsError`
raised anywhere under a route (after its transaction rolled back) into a
problem+json answer, so that the domain stays free of HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.routing import APIRoute

from kim_registry.groups.errors import GroupsError, StaleVersion
from kim_shared.http.problems import Problem, precondition_failed, precondition_required

WIB = timezone(timedelta(hours=7), "WIB")
"""Indonesia's western time (Ponorogo, Jawa Timur): the calendar day rules use."""

IfMatch = Annotated[str | None, Header(alias="If-Match")]


def today() -> date:
    return datetime.now(UTC).astimezone(WIB).date()


def to_problem(exc: GroupsError) -> Problem:
    if isinstance(exc, StaleVersion):
        return precondition_failed(exc.detail, etag=f'"{exc.current_version}"')
    extensions = {"errors": [{"field": exc.field, "message": exc.detail}]} if exc.field else None
    return Problem(exc.status, exc.detail, slug=exc.slug, extensions=extensions)


class GroupsRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except GroupsError as exc:
                raise to_problem(exc) from exc

        return route


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions named by ``If-Match`` (``"3"``, ``W/"3"``, lists); None when absent.

    ``*`` is not accepted: it would defeat the lost-update protection.
    """
    if value is None:
        return None
    versions: set[int] = set()
    for part in value.split(","):
        tag = part.strip().removeprefix("W/").strip()
        if len(tag) >= 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.add(int(tag[1:-1]))
        elif tag == "*":
            raise precondition_required(
                'If-Match: * is not accepted here; send the ETag you last read (e.g. "3").'
            )
    return frozenset(versions)


def require_if_match(value: str | None) -> frozenset[int]:
    """Like :func:`parse_if_match`, but a missing header is a 428."""
    versions = parse_if_match(value)
    if versions is None:
        raise precondition_required()
    return versions
