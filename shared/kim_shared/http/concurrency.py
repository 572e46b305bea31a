"""Optimistic concurrency over HTTP: ``ETag: "<version>"`` and ``If-Match``.

A versioned resource answers with ``ETag: "<version>"`` (:func:`etag`,
:func:`with_etag`). An update reads ``If-Match`` with an ``if_match: IfMatch =
None`` parameter and either parses it in the route (:func:`require_if_match`,
or :func:`parse_if_match` where the header is optional) and hands the versions
to the handler, which calls :func:`kim_shared.errors.ensure_version` once the
row is locked, or passes the raw header to :func:`check_if_match`.

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

from fastapi import Header
from pydantic import BaseModel
from starlette.responses import JSONResponse

from kim_shared.errors import VersionRequired, ensure_version

IfMatch = Annotated[str | None, Header(alias="If-Match")]
"""FastAPI parameter type: ``if_match: IfMatch = None`` reads the header."""

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


def check_if_match(
    value: str | None, current: int, *, required: bool = True, what: str = "resource"
) -> None:
    """Check ``If-Match`` against the ``current`` version of ``what`` (428/412)."""
    expected = require_if_match(value) if required else parse_if_match(value)
    ensure_version(current, expected, what)
