"""Conditional GET for feeds and listings (RFC 9110 §8.8, §13.1.2, §13.1.3).

``validators`` derives a weak ETag and a Last-Modified HTTP-date from what a listing
shows (the latest change among its items, how many there are, and which variant:
format, region, category, page); ``not_modified`` evaluates a GET/HEAD request's
If-None-Match and If-Modified-Since against them. The route answers 304 when it is true.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

FORMAT_VERSION = "1"
"""Part of every ETag: bump it when the rendered output changes for the same items."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def validators(items_last_modified: datetime | None, count: int, variant: str) -> tuple[str, str]:
    """``(etag, last_modified)`` for a listing.

    ``items_last_modified`` is the latest publication/update/takedown time among the
    items the listing is built from (``None`` for an empty listing: Last-Modified is then
    the epoch). Any change of it (to the microsecond), of ``count`` or of ``variant``
    changes the ETag; Last-Modified has one-second resolution as HTTP-dates do.
    """
    moment = _utc(items_last_modified) if items_last_modified is not None else EPOCH
    digest = hashlib.sha256(
        f"{FORMAT_VERSION}\x1f{variant}\x1f{count}\x1f{moment.isoformat()}".encode()
    ).hexdigest()[:32]
    return f'W/"{digest}"', http_date(moment)


def http_date(moment: datetime) -> str:
    """IMF-fixdate, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    return format_datetime(_utc(moment).replace(microsecond=0), usegmt=True)


def not_modified(request_headers: Mapping[str, str], etag: str, last_modified: str) -> bool:
    """Whether a GET/HEAD request's preconditions say the client's copy is current.

    If-None-Match takes precedence: when present, the answer is whether one of its
    entity-tags weakly matches ``etag`` (or it is ``*``), and If-Modified-Since is
    ignored. Otherwise If-Modified-Since is compared with ``last_modified``; an invalid
    date is ignored. Header names are matched case-insensitively; repeated headers
    (as Starlette's ``Headers.items()`` yields them) are combined.
    """
    if_none_match = _header(request_headers, "if-none-match")
    if if_none_match is not None:
        return _none_match_fails(if_none_match, etag)
    if_modified_since = _header(request_headers, "if-modified-since")
    if if_modified_since is None:
        return False
    since = _parse_http_date(if_modified_since)
    current = _parse_http_date(last_modified)
    if since is None or current is None:
        return False
    return current <= since


def _none_match_fails(field: str, etag: str) -> bool:
    if field.strip() == "*":
        return True
    ours = _opaque(etag)
    if ours is None:
        return False
    return ours in _entity_tags(field)


def _entity_tags(field: str) -> set[str]:
    """The opaque tags of an If-None-Match list; parsing stops at the first malformed one."""
    tags: set[str] = set()
    position = 0
    while position < len(field):
        if field[position] in " \t,":
            position += 1
            continue
        match = _ENTITY_TAG.match(field, position)
        if match is None:
            break
        tags.add(match.group(1))
        position = match.end()
    return tags


def _opaque(etag: str) -> str | None:
    match = _ENTITY_TAG.fullmatch(etag.strip())
    return match.group(1) if match else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    values = [value for key, value in headers.items() if key.lower() == name]
    return ", ".join(values) if values else None


def _parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return _utc(parsed)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
