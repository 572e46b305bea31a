"""Benchmark (not a test): ``GET /coverage/{code}`` over all of Jawa Timur.

    uv run python bench/coverage.py [--kim 3000] [--requests 50] [--port-base 38000]

What it does, in one run:

1. starts its own PostgreSQL and Kafka (``.local/bench-coverage``, wiped each time; ports
   from ``--port-base`` or ``KIM_BENCH_PORT_BASE``, default 38000: Kafka +92/+93,
   PostgreSQL +32), or uses ``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL``, and
   runs the registry app in-process on a new database (dropped at the end);
2. imports province 35 (Jawa Timur: 38 kabupaten/kota, 666 kecamatan, 8,494 desa and
   kelurahan) and waits until the outbox relay has published its region events, so
   nothing runs in the background while timing;
3. inserts ``--kim`` KIM (COPY) in random villages — 80 % ``aktif``, 15 % ``calon``,
   5 % ``tidak_aktif`` — plus a plain and a per-kecamatan target for every kabupaten;
4. times ``--requests`` HTTP requests (httpx over ASGI: routing, the one SQL statement,
   domain assembly and JSON) for the province, a kabupaten (35.02) and a kecamatan, the
   SQL statement alone, and, as a baseline in the same run,
   ``SELECT count(*) FROM regions WHERE code LIKE '35.%'``; prints p50/p95/max.

Coverage uses ONE statement per request: per-kecamatan counts grouped by code prefix
(``left(code, 8)``), the villages of the region selected with byte-wise range conditions
on the ``text_pattern_ops`` index (``code ~>=~ '35.' AND code ~<~ '35/'``), covered
villages from the partial index ``kim_active_village`` (status ``aktif``), targets as a
``jsonb`` column; roll-up to kabupaten, percent, targets and gaps are computed in Python.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial

import asyncpg

from kim_devstack.stack import Ports, Stack, create_database, with_database
from kim_devstack.testing import serving
from kim_registry.coverage import repository as coverage_repo
from kim_registry.main import create_app
from kim_registry.regions.importer import import_regions
from kim_registry.settings import RegistrySettings
from kim_shared.events.topics import CATALOGUE, with_dead_letters
from kim_shared.kafka import ensure_topics
from kim_shared.service import Runtime


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(label: str, n: int, call: Callable[[], Awaitable[object]]) -> None:
    for _ in range(min(5, n)):  # warm up: prepared statements, plan cache, imports
        await call()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"{label:<46} p50 {statistics.median(samples):7.2f} ms   "
        f"p95 {percentile(samples, 0.95):7.2f} ms   max {max(samples):7.2f} ms"
    )


async def seed_kim(runtime: Runtime, n: int, rng: random.Random) -> dict[str, int]:
    villages = [
        r["code"]
        for r in await runtime.pool.fetch(
            "SELECT code FROM regions WHERE level = 4 AND code LIKE '35.%'"
        )
    ]
    statuses = rng.choices(["aktif", "calon", "tidak_aktif"], weights=[80, 15, 5], k=n)
    records = []
    for i, status in enumerate(statuses):
        village = rng.choice(villages)
        records.append((uuid.uuid4(), f"KIM Bench {i:05d}", village, village[:5], status, "bench"))
    async with runtime.pool.acquire() as conn:
        await conn.copy_records_to_table(
            "kim",
            records=records,
            columns=["id", "name", "village_code", "kabupaten_code", "status", "created_by"],
        )
        kabupaten = [
            r["code"]
            for r in await conn.fetch(
                "SELECT code FROM regions WHERE level = 2 AND code LIKE '35.%'"
            )
        ]
        targets: list[tuple[uuid.UUID, str, str, date, int | None, bool]] = []
        for code in kabupaten:
            targets.append(
                (uuid.uuid4(), code, "Setiap desa dan kelurahan", date(2030, 12, 31), None, False)
            )
            targets.append(
                (uuid.uuid4(), code, "Satu KIM di setiap kecamatan", date(2027, 12, 31), 1, True)
            )
        await conn.executemany(
            "INSERT INTO targets (id, region_code, label, due_on, villages_target, per_kecamatan,"
            " created_by) VALUES ($1, $2, $3, $4, $5, $6, 'bench')",
            targets,
        )
        await conn.execute("ANALYZE")
        counts = await conn.fetch("SELECT status, count(*) AS n FROM kim GROUP BY status")
    return {r["status"]: r["n"] for r in counts}


async def drain_outbox(runtime: Runtime, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the outbox relay did not publish the region events in time")


async def run(args: argparse.Namespace, stack: Stack) -> None:
    name = f"bench_coverage_{uuid.uuid4().hex[:8]}"
    dsn = await create_database(stack.postgres_url, name)
    try:
        await measure(args, stack, dsn)
    finally:
        conn = await asyncpg.connect(with_database(stack.postgres_url, "postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def measure(args: argparse.Namespace, stack: Stack, dsn: str) -> None:
    await ensure_topics(stack.kafka_bootstrap, with_dead_letters(CATALOGUE))
    settings = RegistrySettings(
        database_url=dsn,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        auth_dev_key_dir=tempfile.mkdtemp(prefix="kim-bench-keys-"),
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    async with serving(app) as http:
        runtime: Runtime = app.state.runtime
        t0 = time.perf_counter()
        result = await import_regions(runtime.pool, "35", runtime.source)
        print(f"imported province 35: {result.total} regions in {time.perf_counter() - t0:.2f} s")
        await drain_outbox(runtime)
        counts = await seed_kim(runtime, args.kim, random.Random(args.seed))
        villages = await runtime.pool.fetchval(
            "SELECT count(*) FROM regions WHERE level = 4 AND code LIKE '35.%'"
        )
        print(f"{villages} villages, KIM by status: {dict(sorted(counts.items()))}")
        print(f"{args.requests} timed requests each (after 5 warm-up requests):\n")

        async def get(path: str) -> None:
            r = await http.get(path)
            r.raise_for_status()

        n = args.requests
        cases = [
            ("GET /coverage/35           (38 kabupaten/kota)", "/coverage/35"),
            ("GET /coverage/35?empty=true", "/coverage/35?empty=true"),
            ("GET /coverage/35.02        (21 kecamatan)", "/coverage/35.02"),
            ("GET /coverage/35.02.01     (22 desa + KIM)", "/coverage/35.02.01"),
            ("GET /coverage/35.02?villages=true (307)", "/coverage/35.02?villages=true"),
        ]
        for label, path in cases:
            await timed(label, n, partial(get, path))
        async with runtime.pool.acquire() as conn:
            await timed(
                "SQL only: coverage statement for 35",
                n,
                lambda: coverage_repo.area_coverage(conn, "35"),
            )
            await timed(
                "SQL only: coverage statement for 35.02",
                n,
                lambda: coverage_repo.area_coverage(conn, "35.02"),
            )
            await timed(
                "baseline: count(*) regions LIKE '35.%'",
                n,
                lambda: conn.fetchval("SELECT count(*) FROM regions WHERE code LIKE '35.%'"),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kim", type=int, default=3000, help="KIM rows to insert")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per case")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("KIM_BENCH_PORT_BASE", "38000")),
        help="ports of the bench stack: Kafka +92/+93, PostgreSQL +32",
    )
    parser.add_argument("--seed", type=int, default=35)
    args = parser.parse_args()
    base = args.port_base
    stack = Stack(
        name="bench-coverage",
        ports=Ports(kafka=base + 92, kafka_controller=base + 93, postgres=base + 32),
        fresh=True,
    ).start()
    try:
        asyncio.run(run(args, stack))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
