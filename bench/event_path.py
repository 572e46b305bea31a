"""The event path: the kit's inbox consumers against raw aiokafka + asyncpg loops doing the
same work, measured in the same run.

    uv run python bench/event_path.py                      # 30,000 events batched, 4,000 per event
    uv run python bench/event_path.py --events 50000 --per-event-events 6000 --repeat 3
    uv run python bench/event_path.py --cases kit-per-event  # one case (e.g. on older kit code)

Starts its own Kafka and PostgreSQL (state in ``.local/bench-event-path``, wiped each time;
ports 36092/36093/36032, or ``KIM_BENCH_PORT_BASE=<b>`` for b+92/b+93/b+32), or uses the
servers named by ``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL``. Two topics are filled
first (``--partitions`` partitions, 500 keys, CloudEvents of ~0.5 KB shaped like the
registry's activity facts). Every case then consumes one of them from the start with a new
consumer group into a new database holding the kit's tables and ``bench_activity`` (the
registry's ``kim_activity``: primary key on kind, source and KIM, an index on KIM and time).

The work per event is the same in every case: parse the envelope, insert the inbox row
``(consumer, event_id, …) ON CONFLICT DO NOTHING`` and, for a new event, the activity row,
in the same transaction.

* ``raw-per-event`` — ``getmany(max_records=1000)``, ``json.loads`` per record, one
  transaction per event, offsets committed once per fetched batch; partitions one after
  the other.
* ``raw-batched`` — the same fetch, one transaction per fetched batch: both inserts
  set-based (``unnest``), the activity rows for the inbox rows that were new.
* ``kit-per-event`` — :class:`~kim_shared.inbox.InboxConsumer` on
  :func:`~kim_shared.inbox.subscribe` (FastStream batch subscriber, partitions
  concurrently), a per-event handler inserting the activity row.
* ``kit-batch`` — :class:`~kim_shared.inbox.BatchInboxConsumer`, a batch handler inserting
  the activity rows with ``unnest``.

Time runs from the moment the first fetched records reach the code under test (group join
and the first fetch are left out) until the last event's transaction committed. Each
``kit-*`` line is compared with the raw loop of its shape (``x raw``). The numbers are noisy
on a shared machine: compare the lines of one run with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from kim_devstack.stack import Ports, Stack, create_database
from kim_shared.db import Connection, apply_migrations, create_pool
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import EventMeta, Handler, InboxConsumer, Outcome, subscribe
from kim_shared.inbox.deadletter import Origin
from kim_shared.kafka import OutgoingRecord, Producer, ensure_topics
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope

SOURCE = EventSource("content", kabupaten="35.02")
KEYS = 500
CASES = ("raw-per-event", "raw-batched", "kit-per-event", "kit-batch")
BASELINE = {"kit-per-event": "raw-per-event", "kit-batch": "raw-batched"}
MAX_RECORDS = 1000


class ActivityHappened(Event):
    """Shaped like the registry's activity facts (an article published by a KIM)."""

    event_type: ClassVar[str] = "kim.bench.activity.happened.v1"
    topic: ClassVar[TopicSpec]
    subject_field: ClassVar[str] = "source_id"

    kim_id: uuid.UUID
    source_id: uuid.UUID
    occurred_at: datetime
    title: str


TABLES = """
CREATE TABLE IF NOT EXISTS bench_activity (
    kim_id       uuid NOT NULL,
    kind         text NOT NULL,
    source_id    uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, source_id, kim_id)
);
CREATE INDEX IF NOT EXISTS bench_activity_kim_time ON bench_activity (kim_id, occurred_at);
"""

INBOX_ONE = """
INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING true
"""
INBOX_MANY = """
INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)
SELECT $1, r.* FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int4[], $6::int8[]) AS r
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING event_id
"""
ACTIVITY_ONE = """
INSERT INTO bench_activity (kim_id, kind, source_id, occurred_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, source_id, kim_id) DO NOTHING
"""
ACTIVITY_MANY = """
INSERT INTO bench_activity (kim_id, kind, source_id, occurred_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[])
ON CONFLICT (kind, source_id, kim_id) DO NOTHING
"""
KIND = "article_published"


@dataclass(frozen=True)
class Result:
    case: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


@dataclass(frozen=True)
class Setup:
    """Where the cases run: the servers and the two filled topics."""

    bootstrap: str
    postgres_url: str
    small: TopicSpec  # for the per-event cases
    large: TopicSpec  # for the batched cases
    sizes: dict[str, int]


# --- the topics -------------------------------------------------------------------------------


def _events(n: int) -> list[ActivityHappened]:
    kims = [uuid.uuid4() for _ in range(KEYS)]
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        ActivityHappened(
            kim_id=kims[i % KEYS],
            source_id=uuid.uuid4(),
            occurred_at=t0 + timedelta(seconds=i),
            title=f"Berita desa nomor {i}: kerja bakti, posyandu dan panen raya di Tugurejo",
        )
        for i in range(n)
    ]


async def fill(bootstrap: str, topic: TopicSpec, n: int) -> None:
    """Create ``topic`` and put ``n`` events on it (key: the KIM)."""
    await ensure_topics(bootstrap, [topic])
    ActivityHappened.topic = topic
    producer = Producer(bootstrap)
    await producer.start()
    try:
        records = [
            OutgoingRecord(topic.name, str(e.kim_id).encode(), envelope(e, SOURCE).to_bytes())
            for e in _events(n)
        ]
        for i in range(0, n, 1000):
            await producer.send_all(records[i : i + 1000])
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def _database(setup: Setup, name: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a new database with the kit's tables and ``bench_activity``, dropped after
    (so that no later case shares the server with its autovacuum)."""
    database = f"bench_{name}_{uuid.uuid4().hex[:6]}"
    dsn = await create_database(setup.postgres_url, database)
    pool = await create_pool(dsn, min_size=2, max_size=10)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, "bench", None)
            await conn.execute(TABLES)
        yield pool
    finally:
        await pool.close()
        admin = await asyncpg.connect(setup.postgres_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()


# --- raw loops ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    event_id: uuid.UUID
    event_type: str
    topic: str
    partition: int
    offset: int
    kim_id: uuid.UUID
    source_id: uuid.UUID
    occurred_at: datetime


def _parse(record: Any) -> _Parsed:
    envelope = json.loads(record.value)
    data = envelope["data"]
    return _Parsed(
        uuid.UUID(envelope["id"]),
        envelope["type"],
        record.topic,
        record.partition,
        record.offset,
        uuid.UUID(data["kim_id"]),
        uuid.UUID(data["source_id"]),
        datetime.fromisoformat(data["occurred_at"]),
    )


async def _apply_one(conn: Connection, group: str, p: _Parsed) -> None:
    async with conn.transaction():
        fresh = await conn.fetchval(
            INBOX_ONE, group, p.event_id, p.event_type, p.topic, p.partition, p.offset
        )
        if fresh:
            await conn.execute(ACTIVITY_ONE, p.kim_id, KIND, p.source_id, p.occurred_at)


async def _apply_many(conn: Connection, group: str, batch: Sequence[_Parsed]) -> None:
    async with conn.transaction():
        rows = await conn.fetch(
            INBOX_MANY,
            group,
            [p.event_id for p in batch],
            [p.event_type for p in batch],
            [p.topic for p in batch],
            [p.partition for p in batch],
            [p.offset for p in batch],
        )
        new = {r[0] for r in rows}
        fresh = [p for p in batch if p.event_id in new]
        await conn.execute(
            ACTIVITY_MANY,
            [p.kim_id for p in fresh],
            [KIND] * len(fresh),
            [p.source_id for p in fresh],
            [p.occurred_at for p in fresh],
        )


async def _raw(setup: Setup, topic: TopicSpec, case: str, batched: bool) -> Result:
    n = setup.sizes[topic.name]
    group = f"bench.{case}.{uuid.uuid4().hex[:6]}"
    async with _database(setup, case.replace("-", "_")) as pool:
        consumer = AIOKafkaConsumer(
            topic.name,
            bootstrap_servers=setup.bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        done, started = 0, 0.0
        try:
            while done < n:
                fetched = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
                if not fetched:
                    continue
                started = started or time.perf_counter()
                for records in fetched.values():
                    parsed = [_parse(r) for r in records]
                    async with pool.acquire() as conn:
                        if batched:
                            await _apply_many(conn, group, parsed)
                        else:
                            for p in parsed:
                                await _apply_one(conn, group, p)
                    done += len(parsed)
                elapsed = time.perf_counter() - started
                await consumer.commit()
        finally:
            await consumer.stop()
    return Result(case, n, elapsed)


async def raw_per_event(setup: Setup) -> Result:
    """One transaction per event, offsets committed per fetched batch."""
    return await _raw(setup, setup.small, "raw-per-event", batched=False)


async def raw_batched(setup: Setup) -> Result:
    """One transaction per fetched partition batch (``unnest``), offsets per fetched batch."""
    return await _raw(setup, setup.large, "raw-batched", batched=True)


# --- the kit ------------------------------------------------------------------------------------


class _Clock:
    """First record handed to the code under test, last outcome reported."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0
        self.started = self.finished = 0.0
        self.all_done = asyncio.Event()

    def start(self) -> None:
        self.started = self.started or time.perf_counter()

    def outcome(self, topic: str, outcome: Outcome) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.finished = time.perf_counter()
            self.all_done.set()


async def _per_event_handler(conn: Connection, event: ActivityHappened, meta: EventMeta) -> None:
    await conn.execute(ACTIVITY_ONE, event.kim_id, KIND, event.source_id, event.occurred_at)


async def _batch_handler(conn: Connection, delivered: Sequence[Any]) -> None:
    await conn.execute(
        ACTIVITY_MANY,
        [d.event.kim_id for d in delivered],
        [KIND] * len(delivered),
        [d.event.source_id for d in delivered],
        [d.event.occurred_at for d in delivered],
    )


async def _run_kit(
    setup: Setup,
    topic: TopicSpec,
    case: str,
    build: Callable[[str, asyncpg.Pool, Producer, _Clock], Any],
) -> Result:
    n = setup.sizes[topic.name]
    ActivityHappened.topic = topic
    async with _database(setup, case.replace("-", "_")) as pool:
        producer = Producer(setup.bootstrap)  # for dead letters (none expected)
        await producer.start()
        clock = _Clock(n)
        consumer = build(f"bench.{case}.{uuid.uuid4().hex[:6]}", pool, producer, clock)
        broker = KafkaBroker(setup.bootstrap, allow_auto_create_topics=False)
        subscribe(broker, consumer)
        await broker.start()
        try:
            await asyncio.wait_for(clock.all_done.wait(), timeout=600)
        finally:
            await broker.stop()
            await producer.stop()
    return Result(case, n, clock.finished - clock.started)


async def kit_per_event(setup: Setup) -> Result:
    """:class:`InboxConsumer` with a per-event handler (works on older kit code as well)."""

    def build(group: str, pool: asyncpg.Pool, producer: Producer, clock: _Clock) -> Any:
        class Timed(InboxConsumer):
            async def process(self, origin: Origin) -> Outcome:
                clock.start()
                return await super().process(origin)

        handlers: dict[type[Event], Handler] = {ActivityHappened: _per_event_handler}
        return Timed(group, pool, producer, handlers, on_outcome=clock.outcome)

    return await _run_kit(setup, setup.small, "kit-per-event", build)


async def kit_batch(setup: Setup) -> Result:
    """:class:`BatchInboxConsumer` with a set-based batch handler."""
    from kim_shared.inbox import BatchInboxConsumer  # not in kit code before batches
    from kim_shared.inbox.consumer import Progress

    def build(group: str, pool: asyncpg.Pool, producer: Producer, clock: _Clock) -> Any:
        class Timed(BatchInboxConsumer):
            async def process_partition(
                self, origins: Sequence[Origin], progress: Progress
            ) -> None:
                clock.start()
                await super().process_partition(origins, progress)

        return Timed(
            group, pool, producer, _batch_handler, (ActivityHappened,), on_outcome=clock.outcome
        )

    return await _run_kit(setup, setup.large, "kit-batch", build)


RUNNERS: dict[str, Callable[[Setup], Awaitable[Result]]] = {
    "raw-per-event": raw_per_event,
    "raw-batched": raw_batched,
    "kit-per-event": kit_per_event,
    "kit-batch": kit_batch,
}


# --- running it ---------------------------------------------------------------------------------


async def prepare(
    bootstrap: str, postgres_url: str, *, events: int, per_event_events: int, partitions: int
) -> Setup:
    """Create and fill the two topics of a run."""
    tag = uuid.uuid4().hex[:6]
    small = TopicSpec(f"kim.bench.activity{tag}s.v1", partitions=partitions)
    large = TopicSpec(f"kim.bench.activity{tag}l.v1", partitions=partitions)
    await fill(bootstrap, small, per_event_events)
    await fill(bootstrap, large, events)
    sizes = {small.name: per_event_events, large.name: events}
    return Setup(bootstrap, postgres_url, small, large, sizes)


async def measure(setup: Setup, cases: Sequence[str], repeat: int = 1) -> dict[str, Result]:
    """Each case ``repeat`` times, round-robin (a slow spell of a shared machine then hits
    every case, not the last ones), each after a ``CHECKPOINT`` (so no case pays for the
    writes of the one before) with a new group and database; the median run of each."""
    runs: dict[str, list[Result]] = {case: [] for case in cases}
    for _ in range(repeat):
        for case in cases:
            await _checkpoint(setup.postgres_url)
            runs[case].append(await RUNNERS[case](setup))
    out: dict[str, Result] = {}
    for case, results in runs.items():
        median = statistics.median(r.seconds for r in results)
        out[case] = min(results, key=lambda r: abs(r.seconds - median))
    return out


async def _checkpoint(postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def table(results: dict[str, Result], partitions: int) -> str:
    lines = [
        f"events of ~0.5 KB, {KEYS} keys, topic with {partitions} partitions, "
        f"fetches of up to {MAX_RECORDS} records",
        "",
        f"{'case':<16}{'events':>8}{'seconds':>10}{'events/s':>11}{'x raw':>8}",
    ]
    for case, r in results.items():
        base = results.get(BASELINE.get(case, ""))
        ratio = f"{r.rate / base.rate:>8.2f}" if base else f"{'':>8}"
        lines.append(f"{case:<16}{r.events:>8}{r.seconds:>10.2f}{r.rate:>11.0f}{ratio}")
    return "\n".join(lines)


async def run(
    *, events: int, per_event_events: int, partitions: int, cases: Sequence[str], repeat: int
) -> dict[str, Result]:
    base = int(os.environ.get("KIM_BENCH_PORT_BASE", "36000"))
    stack = Stack(
        name="bench-event-path", ports=Ports(base + 92, base + 93, base + 32), fresh=True
    ).start()
    try:
        setup = await prepare(
            stack.kafka_bootstrap,
            stack.postgres_url,
            events=events,
            per_event_events=per_event_events,
            partitions=partitions,
        )
        results = await measure(setup, cases, repeat)
    finally:
        stack.stop()
    print()
    print(table(results, partitions))
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, Result]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30_000, help="for the batched cases")
    parser.add_argument("--per-event-events", type=int, default=4_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    args = parser.parse_args(argv)
    return asyncio.run(
        run(
            events=args.events,
            per_event_events=args.per_event_events,
            partitions=args.partitions,
            cases=args.cases,
            repeat=args.repeat,
        )
    )


if __name__ == "__main__":
    main()
