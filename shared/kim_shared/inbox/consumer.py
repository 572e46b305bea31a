"""The idempotent consumer: one event in, one effect, exactly once per consumer.

For each Kafka record:

1. Parse the CloudEvents envelope and look its ``type`` up in the catalogue.
   Not an envelope, an unknown type, or data failing the model → dead letter.
   A known type this consumer has no handler for → skipped.
2. In one transaction: ``INSERT INTO inbox (consumer, event_id) ... ON
   CONFLICT DO NOTHING``; only if the row is new, run the handler on the same
   connection (its writes and any outbox events commit with the inbox row).
3. A failing handler is retried as :func:`~kim_shared.inbox.errors.classify`
   says: an infrastructure outage (database down) with exponential backoff,
   forever, without moving on; a :class:`PermanentError` or a value the
   database refuses goes to the dead letters at once; anything else (statement
   timeouts, deadlocks, bugs) a bounded number of times, then to the dead
   letters.

The caller commits the Kafka offset only after :meth:`InboxConsumer.process`
returned, so a crash between the commit and the offset redelivers the record
and step 2 skips it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import asyncpg
from pydantic import ValidationError

from kim_shared.db.pool import Connection
from kim_shared.events.base import Event
from kim_shared.events.catalogue import catalogue as default_catalogue
from kim_shared.events.envelope import CloudEvent, InvalidEnvelope
from kim_shared.inbox.deadletter import Origin, dead_letter
from kim_shared.inbox.errors import PermanentError, Retry, classify
from kim_shared.kafka import Producer
from kim_shared.logging import traced

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventMeta:
    """What a handler may need besides the payload."""

    envelope: CloudEvent
    topic: str
    partition: int
    offset: int


Handler = Callable[[Connection, Any, EventMeta], Awaitable[None]]
"""A per-event handler: one event, in its own inbox transaction (commands with side effects)."""


@dataclass(frozen=True)
class Delivered:
    """One event of a batch that this consumer has not applied before."""

    event: Any
    meta: EventMeta


BatchHandler = Callable[[Connection, Sequence[Delivered]], Awaitable[None]]
"""A batch handler (projections): applies events set-based inside one transaction, the
inbox rows of the same events written in that transaction by the kit. The events are new to
the consumer (duplicates are already removed) and, per partition, in offset order. Raising
makes the kit narrow the batch down until the record that fails is alone (then it is retried
or dead-lettered like any record); every other record is applied once."""


def one_at_a_time(batch: BatchHandler) -> Handler:
    """A batch handler run on single events (each in its own inbox transaction)."""

    async def handle(conn: Connection, event: Any, meta: EventMeta) -> None:
        await batch(conn, [Delivered(event, meta)])

    return handle


class Outcome(Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff between attempts, and how many attempts a :attr:`Retry.BOUNDED` failure gets."""

    initial_backoff_s: float = 0.2
    max_backoff_s: float = 30.0
    max_attempts: int = 5


class _DeadLetter(Exception):
    def __init__(self, error_type: str, error: str, attempts: int = 1) -> None:
        super().__init__(error)
        self.error_type, self.error, self.attempts = error_type, error, attempts


_INBOX_INSERT = """
INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING true
"""


class InboxConsumer:
    """Processes records for one consumer group (``name``) with the given handlers."""

    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        producer: Producer,
        handlers: Mapping[type[Event], Handler],
        *,
        catalogue: Mapping[str, type[Event]] | None = None,
        retry: RetryPolicy | None = None,
        after_commit: Callable[[Origin], Awaitable[None]] | None = None,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        self.name = name
        self._pool = pool
        self._producer = producer
        self._handlers = {model.event_type: (model, h) for model, h in handlers.items()}
        self._catalogue = dict(catalogue if catalogue is not None else default_catalogue())
        for model in handlers:
            self._catalogue.setdefault(model.event_type, model)
        self._retry = retry or RetryPolicy()
        self._after_commit = after_commit  # test hook: crash between commit and offset
        self._on_outcome = on_outcome

    @property
    def topics(self) -> list[str]:
        return sorted({model.topic.name for model, _ in self._handlers.values()})

    async def process(self, origin: Origin) -> Outcome:
        try:
            outcome = await self._process(origin)
        except _DeadLetter as dl:
            await self._dead_letter(origin, dl)
            outcome = Outcome.DEAD_LETTERED
        if self._on_outcome is not None:
            self._on_outcome(origin.topic, outcome)
        return outcome

    async def _process(self, origin: Origin) -> Outcome:
        try:
            envelope = CloudEvent.from_bytes(origin.value)
        except InvalidEnvelope as exc:
            raise _DeadLetter("invalid_envelope", str(exc)) from exc
        model = self._catalogue.get(envelope.type)
        if model is None:
            raise _DeadLetter("unknown_event_type", f"unknown event type {envelope.type!r}")
        entry = self._handlers.get(envelope.type)
        if entry is None:
            return Outcome.SKIPPED
        try:
            event = model.model_validate(envelope.data)
        except (ValidationError, ValueError, RecursionError) as exc:
            raise _DeadLetter("invalid_data", f"{envelope.type}: {exc}") from exc
        meta = EventMeta(envelope, origin.topic, origin.partition, origin.offset)
        with traced(envelope.traceparent, envelope.correlationid):
            outcome = await self._apply_with_retry(entry[1], event, meta)
        if self._after_commit is not None:
            await self._after_commit(origin)
        return outcome

    async def _apply_with_retry(self, handler: Handler, event: Event, meta: EventMeta) -> Outcome:
        backoff = self._retry.initial_backoff_s
        attempts = 0
        bounded_failures = 0  # outages do not count against the bound
        while True:
            attempts += 1
            try:
                return await self._apply(handler, event, meta)
            except Exception as exc:
                retry = classify(exc)
                if retry is Retry.NEVER:
                    kind = (
                        "permanent_error" if isinstance(exc, PermanentError) else type(exc).__name__
                    )
                    raise _DeadLetter(kind, str(exc), attempts) from exc
                if retry is Retry.FOREVER:
                    log.warning(
                        "%s: infrastructure unavailable on %s, retrying in %.1fs: %r",
                        self.name,
                        meta.envelope.id,
                        backoff,
                        exc,
                    )
                else:
                    bounded_failures += 1
                    log.exception(
                        "%s: handler failed on %s (attempt %d of %d)",
                        self.name,
                        meta.envelope.id,
                        bounded_failures,
                        self._retry.max_attempts,
                    )
                    if bounded_failures >= self._retry.max_attempts:
                        raise _DeadLetter(type(exc).__name__, str(exc), attempts) from exc
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff_s)

    async def _apply(self, handler: Handler, event: Event, meta: EventMeta) -> Outcome:
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await conn.fetchval(
                _INBOX_INSERT,
                self.name,
                meta.envelope.id,
                meta.envelope.type,
                meta.topic,
                meta.partition,
                meta.offset,
            )
            if not fresh:
                return Outcome.DUPLICATE
            await handler(conn, event, meta)
        return Outcome.PROCESSED

    async def _dead_letter(self, origin: Origin, dl: _DeadLetter) -> None:
        record = dead_letter(
            origin,
            consumer=self.name,
            error_type=dl.error_type,
            error=dl.error,
            attempts=dl.attempts,
        )
        backoff = self._retry.initial_backoff_s
        while True:  # the offset must not move before the dead letter is acknowledged
            try:
                await self._producer.send_all([record])
                break
            except Exception as exc:
                log.warning("%s: dead-letter publish failed, retrying: %r", self.name, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff_s)
        log.error(
            "%s: dead-lettered %s[%d]@%d (%s): %s",
            self.name,
            origin.topic,
            origin.partition,
            origin.offset,
            dl.error_type,
            dl.error,
        )
