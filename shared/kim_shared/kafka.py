"""Kafka helpers shared by the outbox relay, dead-lettering, the CLI and the tests.

The producer lives in :mod:`kim_shared.producer` (re-exported here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from kim_shared.events.topics import TopicSpec
from kim_shared.producer import OutgoingRecord, Producer

__all__ = [
    "OutgoingRecord",
    "Producer",
    "StoredRecord",
    "Tails",
    "ensure_topics",
    "read_tails",
    "read_topic",
]


async def ensure_topics(
    bootstrap_servers: str, specs: Iterable[TopicSpec], *, replication_factor: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    wanted: Mapping[str, TopicSpec] = {s.name: s for s in specs}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="kim-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for name, s in wanted.items() if name not in existing]
        if not missing:
            return []
        new = [
            NewTopic(
                name=s.name,
                num_partitions=s.partitions,
                replication_factor=replication_factor,
                topic_configs=s.configs(),
            )
            for s in missing
        ]
        response = await admin.create_topics(new)
        failures = [
            f"{topic}: {message or code}"
            for topic, code, *rest in response.topic_errors
            for message in [rest[0] if rest else None]
            if code not in (0, TopicAlreadyExistsError.errno)
        ]
        if failures:
            raise RuntimeError("could not create topics: " + "; ".join(failures))
        return [s.name for s in missing]
    finally:
        await admin.close()


@dataclass(frozen=True)
class StoredRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int


async def read_topic(
    bootstrap_servers: str, topic: str, *, within_s: float = 120.0
) -> list[StoredRecord]:
    """Every record of ``topic`` now on the broker (no consumer group, nothing committed).

    Raises :class:`TimeoutError` when the end is not reached within ``within_s``.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, 0)  # below the log start (compaction, retention): "earliest"
        out: list[StoredRecord] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        deadline = asyncio.get_running_loop().time() + within_s
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"reading {topic} did not reach its end in {within_s}s")
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp]:
                        out.append(
                            StoredRecord(
                                r.topic,
                                r.partition,
                                r.offset,
                                r.key,
                                r.value,
                                tuple(r.headers or ()),
                                r.timestamp,
                            )
                        )
            for tp in list(remaining):  # also partitions whose tail was compacted away
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return sorted(out, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Tails:
    """The newest records of some topics, as :func:`read_tails` found them."""

    records: list[StoredRecord]
    complete: bool
    """Every record of the topics was read: no partition held more than the tail, and
    every partition was read to its end within the time allowed."""


def _stored(r: Any) -> StoredRecord:
    return StoredRecord(
        r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp
    )


async def read_tails(
    bootstrap_servers: str, topics: Iterable[str], *, per_partition: int, within_s: float
) -> Tails:
    """The last ``per_partition`` records of each partition of ``topics`` (one consumer, no
    group, nothing committed), newest last per partition.

    Bounded twice: at most ``per_partition`` records per partition, and what was read when
    ``within_s`` ran out (``complete`` is then false) rather than an exception. Reaching
    the broker at all is the caller's bound (``asyncio.wait_for``). Unknown topics hold
    nothing.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(topic, p)
            for topic in sorted(set(topics))
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not tps:
            return Tails([], complete=True)
        consumer.assign(tps)
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        complete = True
        for tp in tps:
            first = max(starts[tp], ends[tp] - per_partition)
            complete = complete and first == starts[tp]
            consumer.seek(tp, first)
        out: list[StoredRecord] = []
        remaining = {tp for tp in tps if ends[tp] > starts[tp]}
        while remaining:
            left_ms = int((deadline - loop.time()) * 1000)
            if left_ms <= 0:
                complete = False
                break
            batch = await consumer.getmany(*remaining, timeout_ms=min(left_ms, 1000))
            out += [_stored(r) for tp, rs in batch.items() for r in rs if r.offset < ends[tp]]
            for tp in list(remaining):  # also partitions whose tail was compacted away
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return Tails(sorted(out, key=lambda r: (r.topic, r.partition, r.offset)), complete)
    finally:
        await consumer.stop()
