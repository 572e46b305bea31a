"""Batch handlers: one inbox transaction for many records (projections).

A transaction per event costs a few round trips to PostgreSQL per event; a projection that
receives thousands of snapshots (a region import) needs one per batch. A partition's records
of a fetched batch go through three steps:

1. Each record is parsed as :class:`~kim_shared.inbox.consumer.InboxConsumer` parses it.
   What can never be applied (not a CloudEvent, an unknown type, invalid data) is
   dead-lettered before any transaction, in one send; a known type this consumer does not
   take is skipped.
2. One transaction for the rest: the inbox rows are inserted set-based (``unnest`` …
   ``ON CONFLICT DO NOTHING RETURNING event_id``) and only the events whose row is new are
   handed to the batch handler, in offset order. An event repeated inside the batch is
   handed over once (the first copy); the others are duplicates.
3. When that transaction fails:

   * an outage (:attr:`~kim_shared.inbox.errors.Retry.FOREVER`: the database is away)
     retries the same records with backoff — the records are fine, and splitting them would
     turn every one into a record retried alone;
   * anything else splits the records in two halves, settled one after the other (so the
     partition's order holds), each by these same rules, until the record that fails is
     alone. A record alone is retried or dead-lettered exactly as a per-event record is
     (:meth:`~kim_shared.inbox.consumer.BaseInboxConsumer._retrying`). Every other record
     is applied once: a half that committed is never applied again, and a failed
     transaction left nothing behind.

A batch transaction runs in a new span (its events come from many traces); a record alone
runs in its own event's trace, so the logs of a record that fails carry its ids.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from kim_shared.events.base import Event
from kim_shared.inbox.consumer import (
    BaseInboxConsumer,
    BatchHandler,
    DeadLetterError,
    Delivered,
    Outcome,
    Progress,
    RetryPolicy,
)
from kim_shared.inbox.deadletter import Origin
from kim_shared.inbox.errors import Retry, classify
from kim_shared.kafka import Producer
from kim_shared.tracing import consuming, consuming_batch

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Item:
    origin: Origin
    delivered: Delivered


_INBOX_INSERT_MANY = """
INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)
SELECT $1, r.event_id, r.event_type, r.topic, r.kafka_partition, r.kafka_offset
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int4[], $6::int8[])
    AS r (event_id, event_type, topic, kafka_partition, kafka_offset)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING event_id
"""


class BatchInboxConsumer(BaseInboxConsumer):
    """One batch handler for the ``events`` types: a transaction per partition's batch."""

    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        producer: Producer,
        handler: BatchHandler,
        events: Sequence[type[Event]],
        *,
        catalogue: Mapping[str, type[Event]] | None = None,
        retry: RetryPolicy | None = None,
        after_commit: Callable[[Origin], Awaitable[None]] | None = None,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        if not events:
            raise ValueError(f"{name}: a batch handler needs the event types it takes")
        super().__init__(
            name,
            pool,
            producer,
            events,
            catalogue=catalogue,
            retry=retry,
            after_commit=after_commit,
            on_outcome=on_outcome,
        )
        self._handler = handler

    async def _settle_partition(self, origins: Sequence[Origin], progress: Progress) -> None:
        items: list[_Item] = []
        letters: list[tuple[Origin, DeadLetterError]] = []
        skipped: list[Origin] = []
        for origin in origins:
            try:
                delivered = self._delivered(origin)
            except DeadLetterError as dl:
                letters.append((origin, dl))
                continue
            if delivered is None:
                skipped.append(origin)
            else:
                items.append(_Item(origin, delivered))
        if letters:
            await self._dead_letter_all(letters)
            self._settled(progress, [origin for origin, _ in letters], Outcome.DEAD_LETTERED)
        self._settled(progress, skipped, Outcome.SKIPPED)
        if items:
            await self._settle(items, progress)

    async def _settle(self, items: Sequence[_Item], progress: Progress) -> None:
        """Apply ``items`` once each, narrowing down what fails (see the module docstring)."""
        if len(items) == 1:
            await self._settle_alone(items[0], progress)
            return
        origin = items[0].origin
        envelopes = [item.delivered.meta.envelope for item in items]
        with consuming_batch(
            envelopes, consumer=self.name, topic=origin.topic, partition=origin.partition
        ):
            applied = await self._attempt(items)
        if applied is None:
            half = len(items) // 2
            await self._settle(items[:half], progress)
            await self._settle(items[half:], progress)
            return
        await self._committed(items, applied, progress)

    async def _attempt(self, items: Sequence[_Item]) -> list[bool] | None:
        """:meth:`_apply` until it commits, retrying outages with backoff; None when it
        failed otherwise (the caller narrows the records down)."""
        backoff = self._retry.initial_backoff_s
        while True:
            try:
                return await self._apply(items)
            except Exception as exc:
                if classify(exc) is not Retry.FOREVER:
                    log.warning(
                        "%s: a batch of %d records (%s[%d]@%d..%d) failed, narrowing it: %r",
                        self.name,
                        len(items),
                        items[0].origin.topic,
                        items[0].origin.partition,
                        items[0].origin.offset,
                        items[-1].origin.offset,
                        exc,
                    )
                    return None
                log.warning(
                    "%s: infrastructure unavailable on a batch of %d, retrying in %.1fs: %r",
                    self.name,
                    len(items),
                    backoff,
                    exc,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry.max_backoff_s)

    async def _settle_alone(self, item: _Item, progress: Progress) -> None:
        envelope, origin = item.delivered.meta.envelope, item.origin
        with consuming(
            envelope,
            consumer=self.name,
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
        ):
            try:
                processed = await self._retrying(lambda: self._apply([item]), envelope.id)
            except DeadLetterError as dl:
                await self._dead_letter(item.origin, dl)
                self._settled(progress, [item.origin], Outcome.DEAD_LETTERED)
                return
        await self._committed([item], processed, progress)

    async def _apply(self, items: Sequence[_Item]) -> list[bool]:
        """One transaction: inbox rows set-based, the handler on the new events. Returns,
        per item, whether it was applied (False: a duplicate)."""
        first: dict[UUID, int] = {}
        for i, item in enumerate(items):
            first.setdefault(item.delivered.meta.envelope.id, i)
        unique = [items[i] for i in first.values()]
        origin = items[0].origin
        async with self._transaction(origin.topic, origin.partition) as conn:
            rows = await conn.fetch(
                _INBOX_INSERT_MANY,
                self.name,
                list(first),
                [item.delivered.meta.envelope.type for item in unique],
                [item.origin.topic for item in unique],
                [item.origin.partition for item in unique],
                [item.origin.offset for item in unique],
            )
            new = {row[0] for row in rows}
            fresh = [i for event_id, i in first.items() if event_id in new]
            if fresh:
                await self._handler(conn, [items[i].delivered for i in fresh])
        applied = [False] * len(items)
        for i in fresh:
            applied[i] = True
        return applied

    async def _committed(
        self, items: Sequence[_Item], applied: Sequence[bool], progress: Progress
    ) -> None:
        progress.settle(item.origin.offset for item in items)
        for item, was_applied in zip(items, applied, strict=True):
            self._report(item.origin.topic, Outcome.PROCESSED if was_applied else Outcome.DUPLICATE)
        if self._after_commit is not None:
            await self._after_commit(items[-1].origin)

    def _settled(self, progress: Progress, origins: Sequence[Origin], outcome: Outcome) -> None:
        progress.settle(origin.offset for origin in origins)
        for origin in origins:
            self._report(origin.topic, outcome)
