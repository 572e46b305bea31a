"""Idempotent consumers: inbox dedupe, retry with backoff, dead letters, batches."""

from kim_shared.inbox.batch import BatchInboxConsumer
from kim_shared.inbox.consumer import (
    BaseInboxConsumer,
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
    "BaseInboxConsumer",
    "BatchHandler",
    "BatchInboxConsumer",
    "Delivered",
    "EventMeta",
    "Handler",
    "InboxConsumer",
    "Outcome",
    "PermanentError",
    "subscribe",
]
