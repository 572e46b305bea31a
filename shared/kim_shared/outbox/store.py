"""Writing events to the outbox table inside the caller's transaction.

Never publish to Kafka from a request: call :func:`add` (or :func:`add_many`
for bulk work) on the connection that makes the business change, inside its
transaction. Both commit or neither does; the relay publishes afterwards.

An event whose envelope is larger than consumers accept
(:data:`~kim_shared.events.envelope.MAX_ENVELOPE_BYTES`) is refused here with
:class:`EventTooLarge` (a 422 for an API), before it could reach the outbox
and be parked by the relay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kim_shared.db.pool import Connection
from kim_shared.errors import Invalid
from kim_shared.events.base import Event
from kim_shared.events.envelope import CONTENT_TYPE, MAX_ENVELOPE_BYTES, CloudEvent
from kim_shared.tracing import current_correlation_id, current_traceparent


class OutboxMisuse(RuntimeError):
    """``add`` was called outside a transaction (the event could commit without the change)."""


class EventTooLarge(Invalid):
    """The change would publish an event larger than consumers accept."""

    default_slug = "event-too-large"

    def __init__(self, event_type: str, size: int) -> None:
        super().__init__(
            f"The change would publish a {event_type} event of {size:,} bytes; events are "
            f"limited to {MAX_ENVELOPE_BYTES:,} bytes. Shorten the longest texts or split the "
            "change into several requests."
        )
        self.event_type = event_type
        self.size = size


@dataclass(frozen=True)
class EventSource:
    """Who emits: the service (``/kim/<service>``) and the tenant kabupaten code."""

    service: str
    kabupaten: str | None = None

    @property
    def uri(self) -> str:
        return f"/kim/{self.service}"


def envelope(event: Event, source: EventSource, *, kabupaten: str | None = None) -> CloudEvent:
    return CloudEvent(
        id=uuid.uuid4(),
        source=source.uri,
        type=event.event_type,
        subject=event.subject,
        time=datetime.now(UTC),
        data=event.data(),
        traceparent=current_traceparent(),  # the span staging it: the consumer's parent
        correlationid=current_correlation_id(),
        kabupaten=kabupaten or source.kabupaten,
    )


def _row(ce: CloudEvent, event: Event) -> tuple[Any, ...]:
    payload = ce.to_bytes()
    if len(payload) > MAX_ENVELOPE_BYTES:
        raise EventTooLarge(ce.type, len(payload))
    return (
        ce.id,
        event.topic.name,
        ce.subject,
        ce.type,
        payload,
        {"content-type": CONTENT_TYPE},
    )


_COLUMNS = ["event_id", "topic", "key", "event_type", "payload", "headers"]


def _require_transaction(conn: Connection) -> None:
    if not conn.is_in_transaction():
        raise OutboxMisuse("outbox.add must run inside the business change's transaction")


async def add(
    conn: Connection, event: Event, source: EventSource, *, kabupaten: str | None = None
) -> CloudEvent:
    """Stage ``event`` for publication; returns the envelope (its ``id`` is the event id)."""
    _require_transaction(conn)
    ce = envelope(event, source, kabupaten=kabupaten)
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, event_type, payload, headers)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        *_row(ce, event),
    )
    return ce


async def add_many(
    conn: Connection,
    events: Sequence[Event],
    source: EventSource,
    *,
    kabupaten: Callable[[Event], str | None] | None = None,
) -> int:
    """Stage many events with one ``COPY`` (bulk imports); order is kept.

    ``kabupaten`` gives each event's tenant code (default: the source's).
    """
    _require_transaction(conn)
    if not events:
        return 0
    rows = [
        _row(envelope(e, source, kabupaten=kabupaten(e) if kabupaten else None), e) for e in events
    ]
    await conn.copy_records_to_table("outbox", records=rows, columns=_COLUMNS)
    return len(rows)
