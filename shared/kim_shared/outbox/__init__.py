"""Transactional outbox: :func:`add` in the caller's transaction, :class:`OutboxRelay` publishes."""

from kim_shared.outbox.relay import OutboxRelay
from kim_shared.outbox.store import EventSource, EventTooLarge, add, add_many

__all__ = ["EventSource", "EventTooLarge", "OutboxRelay", "add", "add_many"]
