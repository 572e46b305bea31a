"""Dead-letter inspection and replay.

Replay republishes a dead letter's original key, value and headers to its
original topic (from the ``kim-dlq-topic`` header) with a ``kim-replayed-from``
header. The event keeps its CloudEvents ``id``, so consumers that processed it
before skip it (inbox) and only the consumer that failed applies it.

What has been replayed is remembered per dead letter, on the compacted
internal topic ``kim.ops.dlq_replays.v1``: one record per replayed dead letter,
keyed ``<dlq topic>:<partition>:<offset>``, holding the dead letter's own
timestamp. A high-water offset (a consumer group's committed offset) cannot
say "offset 9 was replayed, 0-8 were not"; the marker can. The timestamp makes
a marker count only for the record it was written for, so a dead-letter topic
that was deleted and created again (offsets restart at 0) shows its new
records as pending. Replaying ``offsets`` explicitly replays those records
again regardless. A crash between the replay and its marker leaves the dead
letter pending: replaying it again is harmless (consumers dedupe on the id).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kim_shared.events.topics import OPS_DLQ_REPLAYS
from kim_shared.inbox.deadletter import PREFIX, dlq_meta
from kim_shared.kafka import OutgoingRecord, Producer, StoredRecord, read_tails, read_topic

REPLAYS_TOPIC = OPS_DLQ_REPLAYS.name


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
    kabupaten: str | None = None
    """The envelope's ``kabupaten`` extension: the tenant the event belongs to."""

    @property
    def marker_key(self) -> str:
        return f"{self.dlq_topic}:{self.partition}:{self.offset}"


def _event_fields(value: bytes | None) -> tuple[str | None, str | None, str | None]:
    """The CloudEvents ``id``, ``type`` and ``kabupaten`` of a dead letter's value, where
    it is an envelope at all."""
    try:
        obj = json.loads(value or b"")
    except (ValueError, RecursionError):  # dead letters are often exactly such bytes
        return None, None, None
    if not isinstance(obj, dict):
        return None, None, None
    return _text(obj.get("id")), _text(obj.get("type")), _text(obj.get("kabupaten"))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


async def _replayed(bootstrap: str, *, within_s: float = 120.0) -> dict[str, int]:
    """Marker key -> timestamp of the dead letter it was written for (the last marker wins)."""
    out: dict[str, int] = {}
    for r in await read_topic(bootstrap, REPLAYS_TOPIC, within_s=within_s):
        if r.key is None or r.value is None:
            continue
        try:
            out[r.key.decode()] = int(json.loads(r.value)["dead_letter_timestamp_ms"])
        except (ValueError, KeyError, TypeError):
            continue  # not a marker this version wrote: ignore rather than fail the listing
    return out


def _dead_letter(r: StoredRecord, replayed: Mapping[str, int]) -> DeadLetter:
    meta = dlq_meta(r.headers)
    event_id, event_type, kabupaten = _event_fields(r.value)
    return DeadLetter(
        dlq_topic=r.topic,
        partition=r.partition,
        offset=r.offset,
        origin_topic=meta.get("topic", r.topic.removesuffix(".dlq")),
        origin_partition=int(meta.get("partition", "-1")),
        origin_offset=int(meta.get("offset", "-1")),
        consumer=meta.get("consumer", "?"),
        error_type=meta.get("error-type", "?"),
        error=meta.get("error", ""),
        failed_at=meta.get("failed-at", ""),
        event_id=event_id,
        event_type=event_type,
        replayed=replayed.get(f"{r.topic}:{r.partition}:{r.offset}") == r.timestamp_ms,
        record=r,
        kabupaten=kabupaten,
    )


async def list_dead_letters(bootstrap: str, dlq_topic: str) -> list[DeadLetter]:
    records = await read_topic(bootstrap, dlq_topic)
    replayed = await _replayed(bootstrap) if records else {}
    return [_dead_letter(r, replayed) for r in records]


@dataclass(frozen=True)
class RecentDeadLetters:
    letters: list[DeadLetter]
    """Newest first."""
    complete: bool
    """Every dead letter of the topics is among ``letters`` (nothing older left unread)."""


async def recent_dead_letters(
    bootstrap: str, dlq_topics: Iterable[str], *, per_partition: int, within_s: float
) -> RecentDeadLetters:
    """The newest dead letters of ``dlq_topics``, bounded for an API: at most
    ``per_partition`` per partition, and what was read in ``within_s`` (half of it for
    the replay markers, which must be read whole to tell replayed from pending)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    replayed = await _replayed(bootstrap, within_s=within_s / 2)
    tails = await read_tails(
        bootstrap,
        dlq_topics,
        per_partition=per_partition,
        within_s=max(deadline - loop.time(), 0.1),
    )
    letters = [_dead_letter(r, replayed) for r in tails.records]
    letters.sort(key=lambda d: (d.record.timestamp_ms, d.dlq_topic, d.partition, d.offset))
    return RecentDeadLetters(letters[::-1], tails.complete)


def _marker(d: DeadLetter) -> OutgoingRecord:
    value = {
        "dead_letter_timestamp_ms": d.record.timestamp_ms,
        "replayed_at": datetime.now(UTC).isoformat(),
        "origin_topic": d.origin_topic,
        "event_id": d.event_id,
    }
    return OutgoingRecord(REPLAYS_TOPIC, d.marker_key.encode(), json.dumps(value).encode())


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
                + [("kim-replayed-from", d.marker_key.encode())],
            )
            for d in chosen
        )
        await producer.send_all(_marker(d) for d in chosen)  # only once the replays are acked
    finally:
        await producer.stop()
    return chosen
