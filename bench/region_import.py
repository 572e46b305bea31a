"""Benchmark (not a test): import all of Indonesia's Kemendagri regions into the registry.

    uv run python bench/region_import.py [--repeat 3] [--batch-sizes 200,500,2000]

Starts its own Kafka + PostgreSQL (state ``.local/bench``, ports 39092/39093/35432,
or ``KIM_BENCH_PORT_BASE=<b>`` for b+92/b+93/b+32) the way the test fixtures do, or
reuses servers named by ``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL``. In a new
empty database with the registry's migrations it times, for 91,599 regions
(83,762 desa/kelurahan):

(d) the baseline: a plain ``COPY`` (``copy_records_to_table``) of the same rows into an
    empty table of the same columns, without indexes; and, for reference, into a twin
    of ``regions`` with its indexes and constraints;
(a) ``import_regions(pool, "all", source)``: reading ``lokal``, the upsert, and staging
    one ``RegionChanged`` event per row in the outbox, in one transaction;
(c) the same import again (nothing changed: nothing written, no events);
(b) publishing the staged outbox rows with ``OutboxRelay.drain()`` and the real
    idempotent producer, for several relay batch sizes (the default is 200).

The relay publishes to a topic of its own (same partitions and compaction as
``kim.registry.region.v1``, deleted at the end), so a reused stack's consumers never
see benchmark traffic. See ``bench/README.md`` for what the numbers mean.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from kim_devstack.stack import Ports, Stack, create_database, with_database
from kim_registry.regions.cli import MIGRATIONS, SERVICE
from kim_registry.regions.domain import COLUMNS, SCOPE_ALL, RegionRow, source_rows
from kim_registry.regions.importer import (
    ImportResult,
    event_tenant,
    import_regions,
    region_event,
)
from kim_shared.db import apply_migrations, create_pool
from kim_shared.events.topics import REGISTRY_REGION, TopicSpec
from kim_shared.kafka import Producer, ensure_topics
from kim_shared.outbox import EventSource, OutboxRelay
from kim_shared.outbox.relay import RelayConfig
from kim_shared.outbox.store import envelope

DEFAULT_PORTS = Ports(kafka=39092, kafka_controller=39093, postgres=35432)


def bench_ports() -> Ports:
    base = os.environ.get("KIM_BENCH_PORT_BASE")
    if not base:
        return DEFAULT_PORTS
    b = int(base)
    return Ports(kafka=b + 92, kafka_controller=b + 93, postgres=b + 32)


@dataclass
class Line:
    step: str
    seconds: float
    rows: int | None = None
    events: int | None = None
    note: str = ""


def fmt_int(n: float | None) -> str:
    return "-" if n is None else f"{n:,.0f}"


def render(lines: list[Line], baseline: float) -> str:
    head = f"{'step':<46} {'seconds':>8} {'rows/s':>10} {'events/s':>10} {'x COPY':>7}"
    out = [head, "-" * len(head)]
    for line in lines:
        rows_s = line.rows / line.seconds if line.rows else None
        events_s = line.events / line.seconds if line.events is not None and line.seconds else None
        ratio = f"{line.seconds / baseline:7.1f}" if baseline else "      -"
        out.append(
            f"{line.step:<46} {line.seconds:8.2f} {fmt_int(rows_s):>10} {fmt_int(events_s):>10} "
            f"{ratio}" + (f"  {line.note}" if line.note else "")
        )
    return "\n".join(out)


async def timed(action: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def copy_into(
    pool: asyncpg.Pool, table: str, like: str, records: Sequence[tuple[object, ...]]
) -> float:
    await pool.execute(f"DROP TABLE IF EXISTS {table}")
    await pool.execute(f"CREATE TABLE {table} ({like})")

    async def copy() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.copy_records_to_table(table, records=records, columns=COLUMNS)

    seconds, _ = await timed(copy)
    await pool.execute(f"DROP TABLE {table}")
    return seconds


PLAIN_COLUMNS = """
    code text, parent_code text, level smallint, type text, name text, search_name text,
    postal_code text, active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def build_events(rows: list[RegionRow], source: EventSource) -> int:
    """The CPU part of staging events: RegionChanged models and their CloudEvents bytes."""
    n = 0
    for r in rows:
        record = {**{c: getattr(r, c) for c in COLUMNS}, "active": True}
        event = region_event(record)
        envelope(event, source, kabupaten=event_tenant(event)).to_bytes()
        n += 1
    return n


async def reset(pool: asyncpg.Pool) -> None:
    await pool.execute("TRUNCATE outbox, regions CASCADE")


async def relay_runs(
    pool: asyncpg.Pool, dsn: str, bootstrap: str, batch_sizes: list[int], events: int, repeat: int
) -> list[Line]:
    topic = TopicSpec(
        f"kim.bench.region{uuid.uuid4().hex[:8]}.v1",
        partitions=REGISTRY_REGION.partitions,
        compacted=REGISTRY_REGION.compacted,
        retention_ms=REGISTRY_REGION.retention_ms,
    )
    await ensure_topics(bootstrap, [topic])
    await pool.execute("UPDATE outbox SET topic = $1", topic.name)
    producer = Producer(bootstrap, client_id="kim-bench")
    await producer.start()
    lines: list[Line] = []
    try:
        for size in batch_sizes:
            runs: list[float] = []
            for _ in range(repeat):
                await pool.execute("UPDATE outbox SET sent_at = NULL")
                await pool.execute("VACUUM ANALYZE outbox")
                relay = OutboxRelay(pool, dsn, producer, RelayConfig(batch_size=size))
                seconds, sent = await timed(relay.drain)
                assert sent == events, f"relay sent {sent} of {events}"
                runs.append(seconds)
            default = " (default)" if size == RelayConfig().batch_size else ""
            step = f"(b) relay drain, batch {size}{default}"
            lines.append(Line(step, statistics.median(runs), None, events))
    finally:
        await producer.stop()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="kim-bench")
        await admin.start()
        try:
            await admin.delete_topics([topic.name])
        finally:
            await admin.close()
    return lines


async def run(stack: Stack, repeat: int, batch_sizes: list[int]) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    dsn = await create_database(stack.postgres_url, name)
    pool = await create_pool(dsn, min_size=2, max_size=4)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SERVICE, MIGRATIONS)
        source = EventSource(SERVICE)
        source_rows(SCOPE_ALL)  # load lokal's data files once (~0.3 s), as a running service has

        samples: dict[str, list[float]] = {}

        def sample(key: str, seconds: float) -> None:
            samples.setdefault(key, []).append(seconds)

        result: ImportResult | None = None
        again: ImportResult | None = None
        rows: list[RegionRow] = []
        for _ in range(repeat):
            await reset(pool)
            started = time.perf_counter()
            rows = source_rows(SCOPE_ALL)
            sample("lokal", time.perf_counter() - started)
            records = [r.as_record() for r in rows]
            sample("copy", await copy_into(pool, "copy_baseline", PLAIN_COLUMNS, records))
            like = "LIKE regions INCLUDING ALL"
            sample("copy_indexed", await copy_into(pool, "copy_indexed", like, records))
            started = time.perf_counter()
            build_events(rows, source)
            sample("events_cpu", time.perf_counter() - started)
            await pool.execute("VACUUM ANALYZE regions")

            seconds, done = await timed(lambda: import_regions(pool, SCOPE_ALL, source))
            assert isinstance(done, ImportResult)
            result = done
            sample("import", seconds)
            await pool.execute("VACUUM ANALYZE regions")
            seconds, done = await timed(lambda: import_regions(pool, SCOPE_ALL, source))
            assert isinstance(done, ImportResult)
            again = done
            sample("reimport", seconds)
        assert result is not None
        assert again is not None
        assert result.inserted == len(rows) == result.events, result
        assert (again.events, again.unchanged) == (0, len(rows)), again

        n, ev = len(rows), result.events
        med = {k: statistics.median(v) for k, v in samples.items()}
        villages = sum(1 for r in rows if r.level == 4)
        lines = [
            Line("(d) COPY baseline: same columns, no indexes", med["copy"], n),
            Line("    COPY into a twin of regions (indexes)", med["copy_indexed"], n),
            Line("(a) import all (lokal read + upsert + outbox)", med["import"], n, ev),
            Line("    of which: lokal source_rows", med["lokal"], n),
            Line("    of which: events + envelopes (CPU)", med["events_cpu"], None, ev),
            Line("(c) re-import, no changes", med["reimport"], n, again.events),
        ]
        lines += await relay_runs(pool, dsn, stack.kafka_bootstrap, batch_sizes, ev, repeat)
        header = (
            f"KIM region import: {n:,} regions ({villages:,} desa/kelurahan), {ev:,} events; "
            f"median of {repeat} run(s) per line\n"
            f"PostgreSQL {stack.postgres_url.rsplit('/', 1)[0]}  Kafka {stack.kafka_bootstrap}  "
            f"CPUs {os.cpu_count()}\n"
        )
        return header + render(lines, med["copy"])
    finally:
        await pool.close()
        admin = await asyncpg.connect(with_database(stack.postgres_url, "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per line; medians are shown")
    parser.add_argument(
        "--batch-sizes", default="200,500,2000", help="relay batch sizes (comma-separated)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()]
    print("starting Kafka and PostgreSQL for the benchmark …", file=sys.stderr, flush=True)
    stack = Stack(name="bench", ports=bench_ports(), fresh=True).start()
    try:
        print(asyncio.run(run(stack, max(1, args.repeat), sizes)))
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
