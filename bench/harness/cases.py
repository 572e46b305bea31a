"""The cases of ``make bench``. Each returns table rows and the data its figure needs."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from bench import event_path, outbox_relay
from bench.harness import loadgen
from bench.harness.platform import App, Platform, load
from bench.harness.report import Row, percentiles
from kim_shared.auth.principal import ADMIN_PROVINSI
from kim_shared.db import create_pool
from kim_shared.events.topics import TopicSpec
from kim_shared.kafka import ensure_topics
from kim_shared.outbox import EventSource

PROJECTING = ("content", "marketplace", "mentoring")
KIM_TOPIC = "kim.registry.kim.v1"
KIM_FORMED = "kim.registry.kim.formed.v1"
P99_LIMIT_MS = 100.0

# --- a. event path ------------------------------------------------------------------------------


@dataclass
class EventPath:
    rates: dict[str, float]


def event_path_case(plat: Platform, *, events: int, per_event: int) -> tuple[list[Row], EventPath]:
    async def go() -> dict[str, event_path.Result]:
        setup = await event_path.prepare(
            plat.stack.kafka_bootstrap,
            plat.stack.postgres_url,
            events=events,
            per_event_events=per_event,
            partitions=3,
        )
        return await event_path.measure(setup, event_path.CASES, 1)

    results = asyncio.run(go())
    rows = []
    for case, r in results.items():
        base = event_path.BASELINE.get(case)
        rows.append(
            Row(
                "a",
                f"event path: {case} ({r.events:,} events)",
                value=r.rate,
                unit="events/s",
                baseline=base or "",
                ratio=r.rate / results[base].rate if base else None,
            )
        )
    return rows, EventPath({c: r.rate for c, r in results.items()})


# --- a'. relay throughput per batch size ---------------------------------------------------------


@dataclass
class Relay:
    baseline: float  # events/s, producer alone
    per_batch: dict[int, float]


def relay_case(plat: Platform, *, rows_n: int, batches: Sequence[int]) -> tuple[list[Row], Relay]:
    async def go() -> Relay:
        spec = TopicSpec(f"kim.bench.thing{uuid.uuid4().hex[:6]}.v1", partitions=6)
        outbox_relay.Benched.topic = spec
        await ensure_topics(plat.stack.kafka_bootstrap, [spec])
        base = rows_n / await outbox_relay.baseline(plat.stack.kafka_bootstrap, rows_n)
        per_batch: dict[int, float] = {}
        for batch in batches:
            dsn = await _new_db(plat, f"relay{batch}")
            await outbox_relay.stage(dsn, rows_n)
            per_batch[batch] = rows_n / await outbox_relay.drain(
                dsn, plat.stack.kafka_bootstrap, batch, 1
            )
        return Relay(base, per_batch)

    relay = asyncio.run(go())
    rows = [Row("a", f"producer only ({rows_n:,} events)", value=relay.baseline, unit="events/s")]
    rows += [
        Row(
            "a",
            f"outbox relay, batch {b}",
            value=r,
            unit="events/s",
            baseline="producer only",
            ratio=r / relay.baseline,
        )
        for b, r in relay.per_batch.items()
    ]
    return rows, relay


async def _new_db(plat: Platform, name: str) -> str:
    from kim_devstack.stack import create_database

    database = f"bench_{plat.tag}_{name}"
    plat.databases[database] = await create_database(plat.stack.postgres_url, database)
    return plat.databases[database]


# --- d. full-country import ---------------------------------------------------------------------


@dataclass
class Import:
    scope: str
    regions: int
    import_s: float
    copy_s: float
    until_all: dict[str, float]  # service -> seconds after the commit
    progress: dict[str, list[tuple[float, int]]] = field(default_factory=dict)


def import_case(plat: Platform, scope: str, *, within: float) -> tuple[list[Row], Import]:
    from bench.region_import import PLAIN_COLUMNS, copy_into
    from kim_registry.regions.domain import source_rows
    from kim_registry.regions.importer import import_regions

    async def go() -> Import:
        rows = source_rows(scope)
        codes = [r.code for r in rows]
        pool = await create_pool(plat.databases["registry"], max_size=2)
        pools = {
            s: await asyncpg.create_pool(plat.databases[s], min_size=1, max_size=1)
            for s in PROJECTING
        }
        try:
            started = time.perf_counter()
            await import_regions(pool, scope, EventSource("registry"))
            committed = time.perf_counter()
            progress: dict[str, list[tuple[float, int]]] = {s: [] for s in PROJECTING}
            until: dict[str, float] = {}
            while len(until) < len(PROJECTING) and time.perf_counter() - committed < within:
                for s in PROJECTING:
                    if s in until:
                        continue
                    n = await pools[s].fetchval(
                        "SELECT count(*) FROM region_projection WHERE code = ANY($1::text[])",
                        codes,
                    )
                    at = time.perf_counter() - committed
                    progress[s].append((at, n))
                    if n >= len(codes):
                        until[s] = at
                await asyncio.sleep(0.2)
            copy_s = await copy_into(
                pool, "bench_copy_baseline", PLAIN_COLUMNS, [r.as_record() for r in rows]
            )
        finally:
            await pool.close()
            for p in pools.values():
                await p.close()
        return Import(scope, len(rows), committed - started, copy_s, until, progress)

    imp = asyncio.run(go())
    out = [
        Row("d", f"plain COPY of the {imp.regions:,} rows", value=imp.copy_s, unit="s"),
        Row(
            "d",
            f"import_regions({imp.scope!r}) until its commit",
            value=imp.import_s,
            unit="s",
            baseline="COPY",
            ratio=imp.import_s / imp.copy_s,
        ),
    ]
    for s in PROJECTING:
        t = imp.until_all.get(s)
        out.append(
            Row(
                "d",
                f"commit → all {imp.regions:,} regions in {s}'s projection",
                value=t,
                unit="s",
                baseline="COPY",
                ratio=(t + imp.import_s) / imp.copy_s if t is not None else None,
                note="" if t is not None else f"not complete after {within:.0f} s",
            )
        )
    return out, imp


# --- e. memory ------------------------------------------------------------------------------------


def memory_rows(label: str, rss: dict[str, float]) -> list[Row]:
    return [Row("e", f"RSS {name}, {label}", value=v, unit="MiB") for name, v in rss.items()]


# --- b. HTTP write → event / projection ----------------------------------------------------------


@dataclass
class WriteRun:
    rate: int
    http: list[float]
    event: list[float]
    projection: list[float]
    sent: int
    ok: int
    errors: int


class _EventWatch:
    """A plain aiokafka consumer on the registry's KIM topic (no group, from the end)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(
            KIM_TOPIC, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest"
        )
        self.seen: dict[str, float] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        while not self.consumer.assignment():  # noqa: ASYNC110 (aiokafka has no event for it)
            await asyncio.sleep(0.05)
        await self.consumer.seek_to_end()
        for tp in self.consumer.assignment():
            await self.consumer.position(tp)
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            now = time.time()
            for records in batches.values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("type") == KIM_FORMED:
                        self.seen.setdefault(str(event["subject"]), now)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.consumer.stop()


SEEN_TABLE = """
CREATE TABLE IF NOT EXISTS bench_seen (kim_id uuid PRIMARY KEY, seen_at double precision);
CREATE OR REPLACE FUNCTION bench_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_seen VALUES (NEW.kim_id, extract(epoch FROM clock_timestamp()))
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS bench_seen ON kim_projection;
CREATE TRIGGER bench_seen AFTER INSERT ON kim_projection
    FOR EACH ROW EXECUTE FUNCTION bench_seen();
"""


async def villages(plat: Platform, scope: str) -> list[str]:
    conn = await asyncpg.connect(plat.databases["registry"])
    try:
        rows = await conn.fetch(
            "SELECT code FROM regions WHERE level = 4 AND active AND code LIKE $1 ORDER BY code",
            f"{scope}.%",
        )
    finally:
        await conn.close()
    return [r["code"] for r in rows]


def write_case(
    plat: Platform, *, rates: Sequence[int], duration: float, scope: str
) -> tuple[list[Row], list[WriteRun], list[str]]:
    token = plat.token(ADMIN_PROVINSI, region=scope.split(".")[0])
    registry = plat.defs["registry"]

    async def go() -> tuple[list[WriteRun], list[str]]:
        free = await villages(plat, scope)
        content = await asyncpg.connect(plat.databases["content"])
        await content.execute(SEEN_TABLE)
        watch = _EventWatch(plat.stack.kafka_bootstrap)
        await watch.start()
        runs: list[WriteRun] = []
        kim_ids: list[str] = []
        try:
            for rate in rates:
                n = int(rate * duration)
                if n > len(free):
                    raise RuntimeError(f"{n} writes need {n} free villages; {len(free)} left")
                mine, free = free[:n], free[n:]
                spec = loadgen.Spec(
                    host="127.0.0.1",
                    port=registry.port,
                    mode="open",
                    rate=rate,
                    duration=duration,
                    requests=[
                        {
                            "method": "POST",
                            "path": "/kim",
                            "body": {"name": f"KIM Bench {v}", "village_code": v},
                        }
                        for v in mine
                    ],
                    headers={"Authorization": f"Bearer {token}"},
                    want_id=True,
                )
                out = await load(plat.work, spec)
                ok = {s.id: s for s in out.samples if s.status == 201 and s.id}
                kim_ids += list(ok)
                deadline = time.monotonic() + 30
                seen: dict[str, float] = {}
                while time.monotonic() < deadline:
                    rows = await content.fetch(
                        "SELECT kim_id::text AS id, seen_at FROM bench_seen "
                        "WHERE kim_id = ANY($1::uuid[])",
                        list(ok),
                    )
                    seen = {r["id"]: r["seen_at"] for r in rows}
                    if len(seen) == len(ok) and all(i in watch.seen for i in ok):
                        break
                    await asyncio.sleep(0.2)
                runs.append(
                    WriteRun(
                        rate,
                        [s.latency for s in ok.values()],
                        [watch.seen[i] - s.sent for i, s in ok.items() if i in watch.seen],
                        [seen[i] - s.sent for i, s in ok.items() if i in seen],
                        len(spec.requests),
                        len(ok),
                        out.errors + sum(1 for s in out.samples if s.status != 201),
                    )
                )
        finally:
            await watch.stop()
            await content.close()
        return runs, kim_ids

    runs, kim_ids = asyncio.run(go())
    rows: list[Row] = []
    for run in runs:
        lost = ""
        if run.ok < run.sent:
            lost = f"{run.sent - run.ok} of {run.sent} writes failed"
        for what, values in (
            ("HTTP POST /kim answered", run.http),
            ("POST → event seen by an outside consumer", run.event),
            ("POST → row in content's kim_projection", run.projection),
        ):
            p50, p95, p99 = percentiles(values)
            missing = run.ok - len(values)
            note = lost or (f"{missing} not seen within 30 s" if missing else "")
            rows.append(
                Row(
                    "b",
                    f"{what} @ {run.rate}/s",
                    p50,
                    p95,
                    p99,
                    value=len(values) / 1.0,
                    unit="writes",
                    baseline="" if what.startswith("HTTP") else "HTTP answer p99",
                    ratio=p99 / percentiles(run.http)[2] if not what.startswith("HTTP") else None,
                    note=note,
                )
            )
    passing = [r.rate for r in runs if percentiles(r.event)[2] > P99_LIMIT_MS]
    rows.append(
        Row(
            "b",
            "offered load at which write → event p99 passes 100 ms",
            value=float(min(passing)) if passing else None,
            unit="writes/s",
            note="" if passing else f"not passed up to {max(rates)}/s",
        )
    )
    return rows, runs, kim_ids


# --- c. hot reads -------------------------------------------------------------------------------


@dataclass
class ReadRun:
    route: str
    path: str
    service: loadgen.Output
    bare: loadgen.Output


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


async def record(dsn: str, kim_id: str, coverage_code: str, region_code: str) -> dict[str, Any]:
    """The statements the registry's read functions run for the three requests (with the
    kit's pool and codecs), via asyncpg's query logger."""
    from kim_registry.coverage import queries as coverage_queries
    from kim_registry.groups import handlers as kim_handlers
    from kim_registry.groups import queries as kim_queries
    from kim_registry.regions import handlers as region_handlers
    from kim_shared.clock import today

    pool = await create_pool(dsn, max_size=1)
    out: dict[str, list[list[Any]]] = {}
    try:
        async with pool.acquire() as conn:
            log: list[list[Any]] = []
            raw: Any = conn
            raw.add_query_logger(lambda q: log.append([q.query, _jsonable(list(q.args or ()))]))

            async def taken() -> list[list[Any]]:
                # asyncpg calls the logger with loop.call_soon: let the last calls land.
                await asyncio.sleep(0.05)
                statements = list(log)
                log.clear()
                return statements

            await region_handlers.get_region(conn, region_code)
            out["region"] = await taken()
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                kim = await kim_handlers.load_kim(conn, uuid.UUID(kim_id))
                await kim_queries.kim_view(conn, kim, "public", today())
            out["kim"] = await taken()
            await coverage_queries.coverage(conn, coverage_code, only_empty=False)
            out["coverage"] = await taken()
    finally:
        await pool.close()
    return out


def read_case(
    plat: Platform,
    *,
    kim_id: str,
    region_code: str,
    coverage_code: str,
    duration: float,
    concurrency: int,
    rounds: int = 3,
) -> tuple[list[Row], list[ReadRun]]:
    statements = asyncio.run(record(plat.databases["registry"], kim_id, coverage_code, region_code))
    sql_file = plat.work / "bare-sql.json"
    sql_file.write_text(json.dumps(statements))
    bare = App(
        "bench.harness.bare_app:create_app",
        plat.port_base + 110,
        {"BENCH_BARE_DSN": plat.databases["registry"], "BENCH_BARE_SQL": str(sql_file)},
        plat.work / "logs" / "bare.log",
    )
    routes = {
        "region": f"/regions/{region_code}",
        "kim": f"/kim/{kim_id}",
        "coverage": f"/coverage/{coverage_code}",
    }
    runs: list[ReadRun] = []
    try:
        bare.wait_ready("/ready")

        def spec(port: int, path: str, seconds: float) -> loadgen.Spec:
            return loadgen.Spec(
                host="127.0.0.1",
                port=port,
                mode="closed",
                duration=seconds,
                concurrency=concurrency,
                warmup=min(1.0, seconds / 3),
                requests=[{"method": "GET", "path": path, "body": None}],
            )

        # Rounds alternate registry and bare app, so that a busy spell of a shared machine
        # falls on both sides rather than on one.
        for route, path in routes.items():
            parts: dict[str, list[loadgen.Output]] = {"service": [], "bare": []}
            for _ in range(rounds):
                for who, port in (("service", plat.defs["registry"].port), ("bare", bare.port)):
                    out = asyncio.run(load(plat.work, spec(port, path, duration / rounds)))
                    parts[who].append(out)
            runs.append(ReadRun(route, path, _merge(parts["service"]), _merge(parts["bare"])))
    finally:
        bare.stop()
    rows: list[Row] = []
    for run in runs:
        statements_n = len(statements[run.route])
        for who, out in (("bare FastAPI + asyncpg", run.bare), ("registry", run.service)):
            ok = [s.latency for s in out.samples if s.status == 200]
            bad = len(out.samples) - len(ok) + out.errors
            p50, p95, p99 = percentiles(ok)
            row = Row(
                "c",
                f"GET {run.path} ({who})",
                p50,
                p95,
                p99,
                value=len(ok) / out.seconds,
                unit="req/s",
                note=f"{bad} failed" if bad else f"{statements_n} statements",
            )
            if who == "registry":
                b = [s.latency for s in run.bare.samples if s.status == 200]
                row.baseline = "bare"
                row.ratio = (len(ok) / out.seconds) / (len(b) / run.bare.seconds)
                row.ratio_is = f"req/s, p99 x{p99 / percentiles(b)[2]:.2f}"
            rows.append(row)
    return rows, runs


def _merge(outputs: list[loadgen.Output]) -> loadgen.Output:
    return loadgen.Output(
        [s for o in outputs for s in o.samples],
        sum(o.seconds for o in outputs),
        sum(o.errors for o in outputs),
    )


def save_samples(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data))
