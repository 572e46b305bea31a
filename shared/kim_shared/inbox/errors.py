"""Which failures are worth retrying."""

from __future__ import annotations

import asyncio

import asyncpg
from aiokafka.errors import KafkaError


class PermanentError(Exception):
    """Processing this event can never succeed (a business invariant, bad reference):
    raise it from a handler to dead-letter the event at once."""


_TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57", "40")  # connection, resources, operator, rollback


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble that goes away by itself: retry without skipping."""
    if isinstance(exc, OSError | asyncio.TimeoutError | asyncpg.InterfaceError | KafkaError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        return state[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return False
