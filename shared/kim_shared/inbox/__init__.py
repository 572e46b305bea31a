"""Idempotent consumers: inbox dedupe, retry with backoff, dead letters."""

from kim_shared.inbox.consumer import (
    BatchHandler,
    Delivered,
    EventMeta,
    Handler,
    InboxConsumer,
    Outcome,
)
from kim_shared.inbox.errors import PermanentError
from kim_shared.inbox.subscribe import subscribe

__all__ = [
    "BatchHandler",
    "Delivered",
    "EventMeta",
    "Handler",
    "InboxConsumer",
    "Outcome",
    "PermanentError",
    "subscribe",
]
