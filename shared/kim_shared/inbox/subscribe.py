"""Attach an inbox consumer to a FastStream ``KafkaBroker``, consuming in batches.

Committing the offset of every record costs a broker round trip per event, which bounded a
consumer to about a hundred events per second. The subscriber is therefore a FastStream
batch subscriber (``batch=True``, up to ``max_records`` records per fetch) with
``AckPolicy.MANUAL``, and for each fetched batch:

1. groups the records by partition (offset order kept) and hands each partition's records to
   :meth:`~kim_shared.inbox.consumer.BaseInboxConsumer.process_partition`. Partitions run
   concurrently (up to ``concurrency`` at a time), each in its own transactions; the records
   of one partition are settled one after the other, so the order per key (one key, one
   partition) holds;
2. once every partition is done, commits the batch's offsets in one request, per partition
   and explicitly: the offset after the last *settled* record. Never the consumer's
   position, which is already past everything fetched (and more, prefetched). The commit
   lands while the next batch is applied (:class:`_Committer`);
3. for a partition where something escaped the consumer (a bug), commits only its settled
   prefix, seeks it back to its first pending record and backs off before fetching again.

A crash anywhere before step 2 redelivers the batch; the inbox skips what was applied.

FastStream only logs an exception raised while it parses, decodes or handles a batch,
and under ``MANUAL`` nothing would stop the next commit from passing the records it
failed on. So nothing may fail before our code sees the records:

* the decoder hands the raw bytes through (FastStream's default one runs
  ``json.loads`` on every body, which raises ``ValueError`` for a 5,000-digit
  integer and ``RecursionError`` for deep nesting);
* the parser tolerates header values that are not UTF-8 (FastStream decodes
  them all), keeping the raw records for the dead letters;
* the consumer turns every failure of a record into an effect, a retry or a dead letter;
  what still escapes it is handled by step 3.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from kim_shared.inbox.consumer import BaseInboxConsumer, Progress
from kim_shared.inbox.deadletter import Origin

log = logging.getLogger(__name__)

MAX_RECORDS = 1000
"""Records per fetched batch (all partitions together): one offset commit per batch."""

CONCURRENCY = 4
"""Partitions of a batch settled at the same time. Each holds a pooled connection while it
works (:mod:`kim_shared.inbox.lease`); a group reading a dozen partitions must leave the
service's pool (10 connections by default) to its HTTP requests and relay too."""

BATCH_TIMEOUT_MS = 50
"""How long a fetch waits for records; FastStream sleeps as long again after an empty one,
so this bounds the extra latency of the first record after a quiet spell."""


@dataclass
class _Backoff:
    """Delay before an escaped record is fetched again; doubles per failure in a row."""

    initial_s: float = 0.5
    max_s: float = 30.0
    current_s: float = 0.0

    def next(self) -> float:
        self.current_s = min(self.max_s, self.current_s * 2 or self.initial_s)
        return self.current_s

    def reset(self) -> None:
        self.current_s = 0.0


class _Committer:
    """Offset commits in the background, one at a time and in order.

    A commit is a broker round trip: awaited before the next fetch, it left the consumer
    idle once per batch (a tenth of the batched path's time here). A batch's commit is sent
    once its records are settled and lands while the next batch is applied; the next commit
    waits for it first, so commits never overtake each other. A crash before it lands only
    redelivers records the inbox skips, exactly as a crash just before an awaited commit.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._task: asyncio.Task[None] | None = None

    async def commit(self, kafka: Any, offsets: dict[TopicPartition, int]) -> None:
        await self.flush()
        self._task = asyncio.create_task(self._commit(kafka, offsets), name=f"{self._name}-commit")

    async def flush(self) -> None:
        """Wait until the last commit sent has landed (or failed)."""
        task, self._task = self._task, None
        if task is not None:
            await task

    async def _commit(self, kafka: Any, offsets: dict[TopicPartition, int]) -> None:
        try:
            await kafka.commit(offsets)
        except KafkaError as exc:
            # The effects are committed; the next commit (or a redelivery the inbox skips)
            # covers them.
            log.warning("%s: offset commit failed, will be retried: %r", self._name, exc)
        except Exception:
            log.exception("%s: offset commit failed", self._name)


@dataclass(frozen=True)
class _Settled:
    """How far one partition of a batch got."""

    partition: TopicPartition
    commit: int | None  # offset to commit, None when nothing new was settled
    escaped_at: int | None  # first pending record when something escaped


Record: TypeAlias = Any  # aiokafka's ConsumerRecord; aiokafka ships no type information


def _readable(record: Record) -> Record:
    headers = [(k, v.decode(errors="replace").encode()) for k, v in record.headers or ()]
    return dataclasses.replace(record, headers=headers)


async def _parse(
    records: tuple[Record, ...],
    original: Callable[[tuple[Record, ...]], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    """FastStream's batch parser, made total: header values that are not UTF-8 are replaced
    for FastStream's view only; ``raw_message`` stays the records as they came."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        message = await original(tuple(_readable(r) for r in records))
        message.raw_message = records
        return message


async def _raw_body(message: StreamMessage[Any]) -> Any:
    """No decoding: the inbox consumer parses the CloudEvents and dead-letters what is not one."""
    return message.body


def _origin(record: Record) -> Origin:
    return Origin(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=tuple(record.headers or ()),
    )


async def _settle(
    consumer: BaseInboxConsumer,
    partition: TopicPartition,
    records: Sequence[Record],
    limit: asyncio.Semaphore,
) -> _Settled:
    origins = [_origin(r) for r in records]
    progress = Progress([o.offset for o in origins])
    try:
        async with limit:
            await consumer.process_partition(origins, progress)
    except Exception:
        pending = progress.first_pending()
        log.exception(
            "%s: %s[%d]@%s escaped the inbox consumer; it will be fetched again",
            consumer.name,
            partition.topic,
            partition.partition,
            pending,
        )
        return _Settled(partition, progress.commit_offset(), pending)
    return _Settled(partition, progress.commit_offset(), None)


def subscribe(
    broker: KafkaBroker,
    consumer: BaseInboxConsumer,
    *,
    description: str = "",
    escape_backoff_s: float = 0.5,
    max_records: int = MAX_RECORDS,
    batch_timeout_ms: int = BATCH_TIMEOUT_MS,
    concurrency: int = CONCURRENCY,
) -> Any:
    """Register ``consumer`` on ``broker`` (before ``broker.start()``)."""
    backoff = _Backoff(initial_s=escape_backoff_s)
    limit = asyncio.Semaphore(concurrency)
    committer = _Committer(consumer.name)

    async def handle(message: KafkaMessage) -> None:
        records = message.raw_message
        assert isinstance(records, tuple)
        by_partition: dict[tuple[str, int], list[Record]] = {}
        for record in records:
            key = (record.topic, record.partition)
            group = by_partition.get(key)
            if group is None:
                by_partition[key] = [record]
            else:
                group.append(record)
        settled = await asyncio.gather(
            *(
                _settle(consumer, TopicPartition(*key), rs, limit)
                for key, rs in by_partition.items()
            )
        )

        kafka: Any = message.consumer  # the subscriber's AIOKafkaConsumer
        assigned = kafka.assignment()  # a rebalance may have taken partitions meanwhile
        offsets = {s.partition: s.commit for s in settled if s.commit is not None}
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        escaped = [s for s in settled if s.escaped_at is not None]
        if offsets:
            await committer.commit(kafka, offsets)
        if not escaped:
            backoff.reset()
            return
        await committer.flush()  # what was settled is committed before anything is fetched again
        for s in escaped:
            if s.partition in assigned:  # the next fetch starts at the first pending record
                kafka.seek(s.partition, s.escaped_at)
        delay = backoff.next()
        log.warning("%s: fetching escaped records again in %.1fs", consumer.name, delay)
        await asyncio.sleep(delay)

    handle.__name__ = consumer.name.replace(".", "_").replace("-", "_")
    subscriber = broker.subscriber(
        *consumer.topics,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        group_id=consumer.name,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        title=consumer.name,
        description=description or f"Inbox consumer {consumer.name}",
    )
    return subscriber(handle, parser=_parse, decoder=_raw_body)
