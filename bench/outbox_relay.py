"""Outbox relay throughput against a plain producer, measured in the same run.

    uv run python bench/outbox_relay.py [--rows 20000] [--batch 200 1000]

Starts its own Kafka + PostgreSQL (ports 38092/38093/38432, ``.local/bench-relay``),
stages ``--rows`` events in the outbox of an empty database, then times:

* baseline: the same records sent straight to Kafka by the idempotent producer
  (no database), i.e. the ceiling for the relay;
* one relay draining the outbox, per batch size;
* two relays draining concurrently (the per-key ordering rule holds rows back).

Prints seconds and events/s; absolute numbers are noisy on a shared machine,
compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import ClassVar

from kim_devstack.stack import Ports, Stack, create_database
from kim_shared.db import apply_migrations, create_pool
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.kafka import OutgoingRecord, Producer, ensure_topics
from kim_shared.outbox import EventSource, add_many
from kim_shared.outbox.relay import OutboxRelay, RelayConfig
from kim_shared.outbox.store import envelope

SOURCE = EventSource("registry")


class Benched(Event):
    event_type: ClassVar[str] = "kim.bench.thing.happened.v1"
    topic: ClassVar[TopicSpec]
    subject_field: ClassVar[str] = "thing_id"

    thing_id: str
    seq: int
    note: str


def events(n: int) -> list[Benched]:
    return [Benched(thing_id=f"k{i % 500}", seq=i, note="x" * 200) for i in range(n)]


async def stage(dsn: str, n: int) -> None:
    pool = await create_pool(dsn)
    async with pool.acquire() as conn:
        await apply_migrations(conn, "bench", None)
        async with conn.transaction():
            await add_many(conn, events(n), SOURCE)
    await pool.close()


async def drain(dsn: str, bootstrap: str, batch: int, relays: int) -> float:
    pool = await create_pool(dsn, max_size=4)
    producers = [Producer(bootstrap) for _ in range(relays)]
    for p in producers:
        await p.start()
    started = time.perf_counter()
    workers = [OutboxRelay(pool, dsn, p, RelayConfig(batch_size=batch)) for p in producers]

    async def until_empty(relay: OutboxRelay) -> None:
        while await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
            if not await relay.drain():
                await asyncio.sleep(0.01)

    await asyncio.gather(*(until_empty(r) for r in workers))
    elapsed = time.perf_counter() - started
    for p in producers:
        await p.stop()
    await pool.close()
    return elapsed


async def baseline(bootstrap: str, n: int) -> float:
    producer = Producer(bootstrap)
    await producer.start()
    records = [
        OutgoingRecord(Benched.topic.name, e.thing_id.encode(), envelope(e, SOURCE).to_bytes())
        for e in events(n)
    ]
    started = time.perf_counter()
    for i in range(0, n, 1000):
        await producer.send_all(records[i : i + 1000])
    elapsed = time.perf_counter() - started
    await producer.stop()
    return elapsed


async def run(rows: int, batches: list[int]) -> None:
    stack = Stack(name="bench-relay", ports=Ports(38092, 38093, 38432), fresh=True).start()
    try:
        Benched.topic = TopicSpec(f"kim.bench.thing{uuid.uuid4().hex[:6]}.v1", partitions=6)
        await ensure_topics(stack.kafka_bootstrap, [Benched.topic])
        results: list[tuple[str, float]] = [
            ("producer only (baseline)", await baseline(stack.kafka_bootstrap, rows))
        ]
        for relays in (1, 2):
            for batch in batches:
                dsn = await create_database(stack.postgres_url, f"relay_{relays}_{batch}")
                await stage(dsn, rows)
                seconds = await drain(dsn, stack.kafka_bootstrap, batch, relays)
                results.append((f"{relays} relay(s), batch {batch}", seconds))
        base = results[0][1]
        print(f"\n{rows} events of ~0.6 KB, topic with 6 partitions\n")
        print(f"{'case':<28}{'seconds':>10}{'events/s':>12}{'x baseline':>12}")
        for name, seconds in results:
            print(f"{name:<28}{seconds:>10.2f}{rows / seconds:>12.0f}{seconds / base:>12.1f}")
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, nargs="+", default=[200, 1000])
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.batch))


if __name__ == "__main__":
    main()
