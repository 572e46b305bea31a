"""Keyset pagination cursors: opaque to clients, typed for the service, one error for all.

A list sorted by ``(published_at, id)`` hands out ``encode(last.published_at, last.id)``
as ``next_cursor``; the next request decodes it with the same types::

    after = decode(cursor, moment, UUID) if cursor else None

Anything that is not a cursor this API gave out (edited, truncated, from another list)
is a 422 problem ``invalid-cursor`` pointing at ``query.cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from kim_shared.errors import Invalid

Key = str | int | datetime | date | UUID


def _plain(value: Key) -> str | int:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def moment(text: str) -> datetime:
    """A timezone-aware instant from its ISO form (a cursor part; naive ones are refused)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a cursor instant needs its offset")
    return value


def encode(*values: Key) -> str:
    """The cursor after a row whose sort key is ``values``."""
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *types: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The sort key in ``cursor``, each part converted by its type (``UUID``,
    :func:`moment`, ``str``, ``int``); :class:`Invalid` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != len(types):
            raise ValueError("wrong shape")
        return tuple(convert(part) for convert, part in zip(types, parts, strict=True))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Invalid(
            "cursor is not valid: pass the next_cursor of a previous page unchanged.",
            slug="invalid-cursor",
            field="query.cursor",
        ) from exc
