"""Optimistic concurrency over HTTP: ``ETag: "<version>"`` and ``If-Match``.

A versioned resource answers with ``ETag: "<version>"`` (:func:`etag`,
:func:`with_etag`). An update declares how it reads ``If-Match`` with one of two
parameter types, and gets the versions the header names:

* ``expected: IfMatchRequired`` — the header must be sent (428 without it);
* ``expected: IfMatchOptional`` — ``None`` when it is absent (the route's own rules
  guard the state).

The handler calls :func:`kim_shared.errors.ensure_version` once the row is locked.
The header is read by a dependency, so the parameter stays optional for FastAPI: a
missing header is this module's 428 problem, never FastAPI's 422. The OpenAPI
document (:mod:`kim_shared.http.openapi`) tells the two apart by the dependency and
marks the header ``required`` with 428 and 412 where it is.

Strong and weak tags (``"3"``, ``W/"3"``) and lists match; ``*`` is refused
(428): it would defeat the lost-update protection. A header that names no
version (``3``, empty) matches nothing (412). The errors are the HTTP-free
:class:`~kim_shared.errors.VersionRequired` (428) and
:class:`~kim_shared.errors.StaleVersion` (412, answered with the current
``ETag``), rendered by :func:`kim_shared.http.problems.install_problem_handlers`.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header
from pydantic import BaseModel
from starlette.responses import JSONResponse

from kim_shared.errors import VersionRequired

HEADER = "If-Match"
MISSING = (
    "This update needs an If-Match header carrying the ETag you last read, so that "
    "concurrent changes are not overwritten."
)
_VERSION_TAG = re.compile(r'"[0-9]{1,18}"')
"""A tag naming a version: ASCII digits only (``"²"`` is a digit to ``str.isdigit``), and
short enough for a bigint; anything else names no version and matches nothing."""
STAR = 'If-Match: * is not accepted here; send the ETag you last read (e.g. "3").'


def etag(version: int) -> str:
    """The entity tag of a version: ``3`` → ``"3"``."""
    return f'"{version}"'


def with_etag(body: BaseModel, version: int, *, status_code: int = 200) -> JSONResponse:
    """``body`` as JSON with ``ETag`` naming ``version``."""
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status_code, headers={"ETag": etag(version)}
    )


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions named by ``If-Match``; None when the header is absent."""
    if value is None:
        return None
    versions: set[int] = set()
    for part in value.split(","):
        tag = part.strip().removeprefix("W/").strip()
        if _VERSION_TAG.fullmatch(tag):
            versions.add(int(tag[1:-1]))
        elif tag == "*":
            raise VersionRequired(STAR)
    return frozenset(versions)


def require_if_match(value: str | None) -> frozenset[int]:
    """Like :func:`parse_if_match`, but a missing header is :class:`VersionRequired` (428)."""
    versions = parse_if_match(value)
    if versions is None:
        raise VersionRequired(MISSING)
    return versions


_HeaderValue = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description='The ETag you last read, e.g. "3" (weak tags and lists match too; '
        "* is refused). A version that is no longer current is a 412 carrying the current "
        "ETag.",
    ),
]


async def optional_if_match(if_match: _HeaderValue = None) -> frozenset[int] | None:
    """Dependency: the versions ``If-Match`` names, or None without the header."""
    return parse_if_match(if_match)


async def required_if_match(if_match: _HeaderValue = None) -> frozenset[int]:
    """Dependency: the versions ``If-Match`` names; 428 (never 422) without the header."""
    return require_if_match(if_match)


IfMatchOptional = Annotated[frozenset[int] | None, Depends(optional_if_match)]
"""Route parameter: the versions named by an optional ``If-Match`` (None when absent)."""

IfMatchRequired = Annotated[frozenset[int], Depends(required_if_match)]
"""Route parameter: the versions named by a required ``If-Match`` (428 when absent)."""
