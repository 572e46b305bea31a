"""Dead-letter inspection and replay.

Replay republishes a dead letter's original key, value and headers to its
original topic (from the ``kim-dlq-topic`` header) with a ``kim-replayed-from``
header. The event keeps its CloudEvents ``id``, so consumers that processed it
before skip it (inbox) and only the consumer that failed applies it. What has
been replayed is remembered as the committed offset of the consumer group
``kim.dlq-replay`` on the dead-letter topic; ``offsets`` replays chosen
records again regardless.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from kim_shared.inbox.deadletter import PREFIX, dlq_meta
from kim_shared.kafka import OutgoingRecord, Producer, StoredRecord, read_topic

REPLAY_GROUP = "kim.dlq-replay"


@dataclass(frozen=True)
class DeadLetter:
    dlq_topic: str
    partition: int
    offset: int
    origin_topic: str
    origin_partition: int
    origin_offset: int
    consumer: str
    error_type: str
    error: str
    failed_at: str
    event_id: str | None
    event_type: str | None
    replayed: bool
    record: StoredRecord


def _event_fields(value: bytes | None) -> tuple[str | None, str | None]:
    try:
        obj = json.loads(value or b"")
    except (ValueError, RecursionError):  # dead letters are often exactly such bytes
        return None, None
    if not isinstance(obj, dict):
        return None, None
    return (str(obj["id"]) if "id" in obj else None, str(obj["type"]) if "type" in obj else None)


async def _committed(bootstrap: str, topic: str, partitions: Iterable[int]) -> dict[int, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=REPLAY_GROUP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        out = {}
        for p in partitions:
            committed = await consumer.committed(TopicPartition(topic, p))
            out[p] = committed or 0
        return out
    finally:
        await consumer.stop()


async def list_dead_letters(bootstrap: str, dlq_topic: str) -> list[DeadLetter]:
    records = await read_topic(bootstrap, dlq_topic)
    committed = await _committed(bootstrap, dlq_topic, {r.partition for r in records})
    out = []
    for r in records:
        meta = dlq_meta(r.headers)
        event_id, event_type = _event_fields(r.value)
        out.append(
            DeadLetter(
                dlq_topic=dlq_topic,
                partition=r.partition,
                offset=r.offset,
                origin_topic=meta.get("topic", dlq_topic.removesuffix(".dlq")),
                origin_partition=int(meta.get("partition", "-1")),
                origin_offset=int(meta.get("offset", "-1")),
                consumer=meta.get("consumer", "?"),
                error_type=meta.get("error-type", "?"),
                error=meta.get("error", ""),
                failed_at=meta.get("failed-at", ""),
                event_id=event_id,
                event_type=event_type,
                replayed=r.offset < committed.get(r.partition, 0),
                record=r,
            )
        )
    return out


async def replay_dead_letters(
    bootstrap: str, dlq_topic: str, *, offsets: set[int] | None = None, dry_run: bool = False
) -> list[DeadLetter]:
    """Republish pending dead letters (or exactly ``offsets``); return those replayed."""
    letters = await list_dead_letters(bootstrap, dlq_topic)
    chosen = [
        d for d in letters if (d.offset in offsets if offsets is not None else not d.replayed)
    ]
    if dry_run or not chosen:
        return chosen
    producer = Producer(bootstrap, client_id="kim-dlq-replay")
    await producer.start()
    try:
        await producer.send_all(
            OutgoingRecord(
                topic=d.origin_topic,
                key=d.record.key,
                value=d.record.value or b"",
                headers=[(k, v) for k, v in d.record.headers if not k.startswith(PREFIX)]
                + [("kim-replayed-from", f"{dlq_topic}:{d.partition}:{d.offset}".encode())],
            )
            for d in chosen
        )
    finally:
        await producer.stop()
    await _commit_replayed(bootstrap, dlq_topic, chosen)
    return chosen


async def _commit_replayed(bootstrap: str, dlq_topic: str, done: list[DeadLetter]) -> None:
    top: dict[int, int] = {}
    for d in done:
        top[d.partition] = max(top.get(d.partition, 0), d.offset + 1)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=REPLAY_GROUP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = {TopicPartition(dlq_topic, p): o for p, o in top.items()}
        consumer.assign(list(tps))
        current = {tp: (await consumer.committed(tp)) or 0 for tp in tps}
        await consumer.commit(
            {tp: OffsetAndMetadata(max(o, current[tp]), "") for tp, o in tps.items()}
        )
    finally:
        await consumer.stop()
