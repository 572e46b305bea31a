"""The idempotent consumer: one event in, one effect, exactly once per consumer.

The subscriber (:mod:`kim_shared.inbox.subscribe`) fetches records in batches and hands
each partition's records, in offset order, to :meth:`BaseInboxConsumer.process_partition`.
Every record then ends *settled* — applied, recognised as a duplicate, skipped or
dead-lettered — or still pending when something escaped; the subscriber commits the offsets
of the settled prefix only. Two shapes share the steps below:

* :class:`InboxConsumer` — per-event handlers, one transaction per record (commands with
  side effects);
* :class:`~kim_shared.inbox.batch.BatchInboxConsumer` — one batch handler, one transaction
  for many records (projections).

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

The caller commits the Kafka offset only after the record was settled, so a crash between
the database commit and the offset commit redelivers the record and step 2 skips it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import asyncpg
from pydantic import ValidationError

from kim_shared.db.pool import Connection
from kim_shared.events.base import Event
from kim_shared.events.catalogue import catalogue as default_catalogue
from kim_shared.events.envelope import CloudEvent, InvalidEnvelope
from kim_shared.inbox.deadletter import Origin, dead_letter
from kim_shared.inbox.errors import PermanentError, Retry, classify
from kim_shared.inbox.lease import ConnectionLease
from kim_shared.kafka import Producer
from kim_shared.tracing import consuming

log = logging.getLogger(__name__)

T = TypeVar("T")


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


class Progress:
    """Which records of one partition's share of a fetched batch are settled.

    Records are settled out of order (dead letters before the batch transaction, the halves
    of a narrowed batch one after the other), but an offset commit can only say "everything
    below N": :meth:`commit_offset` is the first record still pending, so a record that was
    not settled is never committed past.
    """

    def __init__(self, offsets: Sequence[int]) -> None:
        self._offsets = offsets  # ascending
        self._settled: set[int] = set()

    def settle(self, offsets: Iterable[int]) -> None:
        self._settled.update(offsets)

    def first_pending(self) -> int | None:
        """Offset of the first record not settled; None when all are."""
        for offset in self._offsets:
            if offset not in self._settled:
                return offset
        return None

    def commit_offset(self) -> int | None:
        """The offset to commit (Kafka's "next record to read"); None when not even the first
        record is settled (nothing to commit)."""
        if not self._offsets:
            return None
        pending = self.first_pending()
        if pending is None:
            return self._offsets[-1] + 1
        return pending if pending != self._offsets[0] else None


class DeadLetterError(Exception):
    """A record that is to be dead-lettered (raised inside the consumer, never out of it)."""

    def __init__(self, error_type: str, error: str, attempts: int = 1) -> None:
        super().__init__(error)
        self.error_type, self.error, self.attempts = error_type, error, attempts


class BaseInboxConsumer:
    """What both handler shapes share: parsing a record, the retry loop, dead letters and
    outcome reporting, one leased connection per partition. Subclasses settle a partition's
    records in :meth:`_settle_partition`."""

    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        producer: Producer,
        models: Iterable[type[Event]],
        *,
        catalogue: Mapping[str, type[Event]] | None = None,
        retry: RetryPolicy | None = None,
        after_commit: Callable[[Origin], Awaitable[None]] | None = None,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        self.name = name
        self._pool = pool
        self._producer = producer
        self._models = {model.event_type: model for model in models}
        self._catalogue = dict(catalogue if catalogue is not None else default_catalogue())
        for model in self._models.values():
            self._catalogue.setdefault(model.event_type, model)
        self._retry = retry or RetryPolicy()
        self._after_commit = after_commit  # test hook: crash between commit and offset
        self._on_outcome = on_outcome
        self._leases: dict[tuple[str, int], ConnectionLease] = {}

    @property
    def topics(self) -> list[str]:
        return sorted({model.topic.name for model in self._models.values()})

    async def process_partition(self, origins: Sequence[Origin], progress: Progress) -> None:
        """Settle ``origins`` (one partition's records of a batch, in offset order), marking
        each settled record in ``progress``. An exception escaping it is a bug; the records
        it left pending are fetched again. The partition's transactions share one pooled
        connection (:mod:`kim_shared.inbox.lease`)."""
        if not origins:
            return
        key = (origins[0].topic, origins[0].partition)
        lease = self._leases[key] = ConnectionLease(self._pool)
        try:
            await self._settle_partition(origins, progress)
        finally:
            del self._leases[key]
            try:
                await lease.release()
            except Exception as exc:  # the pool terminated it; every record is settled
                log.warning("%s: could not give a connection back: %r", self.name, exc)

    async def _settle_partition(self, origins: Sequence[Origin], progress: Progress) -> None:
        raise NotImplementedError

    def _transaction(self, topic: str, partition: int) -> AbstractAsyncContextManager[Connection]:
        """A transaction for a record of ``partition``: on the partition's leased connection
        inside :meth:`process_partition`, else on one acquired for it."""
        lease = self._leases.get((topic, partition))
        return lease.transaction() if lease is not None else self._pooled_transaction()

    @contextlib.asynccontextmanager
    async def _pooled_transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield conn

    def _delivered(self, origin: Origin) -> Delivered | None:
        """The record as an event this consumer applies; None for a known type it does not
        handle. Raises :class:`DeadLetterError` for what can never be applied."""
        try:
            envelope = CloudEvent.from_bytes(origin.value)
        except InvalidEnvelope as exc:
            raise DeadLetterError("invalid_envelope", str(exc)) from exc
        model = self._catalogue.get(envelope.type)
        if model is None:
            raise DeadLetterError("unknown_event_type", f"unknown event type {envelope.type!r}")
        if envelope.type not in self._models:
            return None
        try:
            event = model.model_validate(envelope.data)
        except (ValidationError, ValueError, RecursionError) as exc:
            raise DeadLetterError("invalid_data", f"{envelope.type}: {exc}") from exc
        return Delivered(event, EventMeta(envelope, origin.topic, origin.partition, origin.offset))

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], what: object) -> T:
        """Run ``attempt`` (one transaction) until it succeeds, as its failures deserve
        (:func:`classify`); raises :class:`DeadLetterError` when the record must go."""
        backoff = self._retry.initial_backoff_s
        attempts = 0
        bounded_failures = 0  # outages do not count against the bound
        while True:
            attempts += 1
            try:
                return await attempt()
            except Exception as exc:
                retry = classify(exc)
                if retry is Retry.NEVER:
                    kind = (
                        "permanent_error" if isinstance(exc, PermanentError) else type(exc).__name__
                    )
                    raise DeadLetterError(kind, str(exc), attempts) from exc
                if retry is Retry.FOREVER:
                    log.warning(
                        "%s: infrastructure unavailable on %s, retrying in %.1fs: %r",
                        self.name,
                        what,
                        backoff,
                        exc,
                    )
                else:
                    bounded_failures += 1
                    log.exception(
                        "%s: handler failed on %s (attempt %d of %d)",
                        self.name,
                        what,
                        bounded_failures,
                        self._retry.max_attempts,
                    )
                    if bounded_failures >= self._retry.max_attempts:
                        raise DeadLetterError(type(exc).__name__, str(exc), attempts) from exc
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff_s)

    def _report(self, topic: str, outcome: Outcome) -> None:
        if self._on_outcome is not None:
            self._on_outcome(topic, outcome)

    async def _dead_letter(self, origin: Origin, dl: DeadLetterError) -> None:
        await self._dead_letter_all([(origin, dl)])

    async def _dead_letter_all(self, letters: Sequence[tuple[Origin, DeadLetterError]]) -> None:
        """Publish the dead letters and return once the broker acknowledged them all."""
        records = [
            dead_letter(
                origin,
                consumer=self.name,
                error_type=dl.error_type,
                error=dl.error,
                attempts=dl.attempts,
            )
            for origin, dl in letters
        ]
        backoff = self._retry.initial_backoff_s
        while True:  # the offset must not move before the dead letters are acknowledged
            try:
                await self._producer.send_all(records)
                break
            except Exception as exc:
                log.warning("%s: dead-letter publish failed, retrying: %r", self.name, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff_s)
        for origin, dl in letters:
            log.error(
                "%s: dead-lettered %s[%d]@%d (%s): %s",
                self.name,
                origin.topic,
                origin.partition,
                origin.offset,
                dl.error_type,
                dl.error,
            )


_INBOX_INSERT = """
INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING true
"""


class InboxConsumer(BaseInboxConsumer):
    """Per-event handlers: each record in its own inbox transaction, in offset order."""

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
        super().__init__(
            name,
            pool,
            producer,
            handlers,
            catalogue=catalogue,
            retry=retry,
            after_commit=after_commit,
            on_outcome=on_outcome,
        )
        self._handlers = {model.event_type: h for model, h in handlers.items()}

    async def _settle_partition(self, origins: Sequence[Origin], progress: Progress) -> None:
        for origin in origins:
            await self.process(origin)
            progress.settle((origin.offset,))

    async def process(self, origin: Origin) -> Outcome:
        """Settle one record."""
        try:
            outcome = await self._process(origin)
        except DeadLetterError as dl:
            await self._dead_letter(origin, dl)
            outcome = Outcome.DEAD_LETTERED
        self._report(origin.topic, outcome)
        return outcome

    async def _process(self, origin: Origin) -> Outcome:
        delivered = self._delivered(origin)
        if delivered is None:
            return Outcome.SKIPPED
        handler = self._handlers[delivered.meta.envelope.type]
        meta = delivered.meta
        with consuming(
            meta.envelope,
            consumer=self.name,
            topic=meta.topic,
            partition=meta.partition,
            offset=meta.offset,
        ):
            outcome = await self._retrying(
                lambda: self._apply(handler, delivered), meta.envelope.id
            )
        if self._after_commit is not None:
            await self._after_commit(origin)
        return outcome

    async def _apply(self, handler: Handler, delivered: Delivered) -> Outcome:
        meta = delivered.meta
        async with self._transaction(meta.topic, meta.partition) as conn:
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
            await handler(conn, delivered.event, meta)
        return Outcome.PROCESSED
