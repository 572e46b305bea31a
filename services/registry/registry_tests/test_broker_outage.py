"""A broker outage is not an API outage (DESIGN §4): with Kafka stopped, writes through the
registry's API keep answering 2xx and /readyz stays 200; no transaction outlives the send
timeout; once Kafka is back every event reaches its topic, once in effect and in order per
key. A service stopped while Kafka is away exits within its grace period.

These tests stop and restart a Kafka of their own (``outage_kafka``), not the session's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.kafka import KafkaNode
from kim_devstack.testing import eventually, serving
from kim_registry.main import create_app
from kim_registry.regions.importer import ImportResult, import_regions
from kim_registry.settings import RegistrySettings
from kim_shared.events.types.activity import ArticlePublished
from kim_shared.kafka import OutgoingRecord, read_topic
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope
from kim_shared.service import Runtime
from registry_tests.test_groups_support import Auth, kim_body, operator

pytestmark = pytest.mark.integration

SOURCE = EventSource("content")
SEND_TIMEOUT_S = 2.0
OUTAGE_S = 30.0
GRACE_S = 10.0


@pytest.fixture
def settings(fresh_db: str, outage_kafka: KafkaNode, tmp_path: Path) -> RegistrySettings:
    """The registry on the module's own Kafka (overrides conftest's ``settings``)."""
    return RegistrySettings(
        database_url=fresh_db,
        kafka_bootstrap_servers=outage_kafka.bootstrap_servers,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
        kafka_send_timeout_s=SEND_TIMEOUT_S,
        kafka_stop_timeout_s=2.0,
    )


async def unsent(runtime: Runtime) -> int:
    n: int = await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    return n


async def longest_open_transaction_s(runtime: Runtime) -> float:
    """Age of the oldest open transaction of the service's database, except this query's."""
    age = await runtime.pool.fetchval(
        "SELECT COALESCE(EXTRACT(EPOCH FROM max(clock_timestamp() - xact_start)), 0)::float8"
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return float(age)


async def villages(runtime: Runtime, n: int) -> list[str]:
    rows = await runtime.pool.fetch(
        "SELECT code FROM regions WHERE level = 4 AND code LIKE '35.02.%' ORDER BY code LIMIT $1",
        n,
    )
    return [r["code"] for r in rows]


def metric(text: str, name: str) -> float:
    values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    return values[name]


async def write_kim(http: httpx.AsyncClient, headers: dict[str, str], village: str, i: int) -> str:
    """Form a KIM and change its name twice: three events on one key."""
    r = await http.post("/kim", json=kim_body(village, name=f"KIM Outage {i}"), headers=headers)
    assert r.status_code == 201, r.text
    kim_id: str = r.json()["id"]
    etag = r.headers["ETag"]
    for rename in ("Satu", "Dua"):
        r = await http.patch(
            f"/kim/{kim_id}",
            json={"name": f"KIM Outage {i} {rename}"},
            headers={**headers, "If-Match": etag},
        )
        assert r.status_code == 200, r.text
        etag = r.headers["ETag"]
    return kim_id


async def assert_every_event_arrived_once_in_order(runtime: Runtime, bootstrap: str) -> int:
    """Every outbox row is on its topic; per key, first copies come in outbox order."""
    rows = await runtime.pool.fetch("SELECT event_id, topic, key FROM outbox ORDER BY id")
    expected: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        expected[r["topic"], r["key"]].append(str(r["event_id"]))
    ours = {str(r["event_id"]) for r in rows}
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    copies = 0
    for topic in sorted({t for t, _ in expected}):
        for record in await read_topic(bootstrap, topic):
            event_id = json.loads(record.value or b"")["id"]
            if event_id not in ours:
                continue  # another test's service published on the session's outage broker
            key = (topic, (record.key or b"").decode())
            copies += 1
            if event_id not in seen[key]:  # a consumer dedupes on the CloudEvents id
                seen[key].append(event_id)
    assert dict(seen) == dict(expected)
    return copies - len(rows)


async def test_writes_go_on_while_kafka_is_down_and_every_event_arrives_once_in_order(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    outage_kafka: KafkaNode,
) -> None:
    headers = operator(auth)
    free = await villages(runtime, 400)
    await write_kim(http, headers, free.pop(0), 0)
    await eventually(
        lambda: _none_unsent(runtime), within=120, what="the backlog before the outage"
    )

    await asyncio.to_thread(outage_kafka.stop)
    written, worst_transaction = 0, 0.0
    deadline = time.monotonic() + OUTAGE_S
    while time.monotonic() < deadline:
        written += 1
        await write_kim(http, headers, free.pop(0), written)
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        worst_transaction = max(worst_transaction, await longest_open_transaction_s(runtime))
        await asyncio.sleep(0.2)
    status = await http.get("/status")
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "degraded"
    assert status.json()["checks"]["broker"]["ok"] is False
    scraped = (await http.get("/metrics")).text
    assert metric(scraped, "kim_broker_up") == 0
    assert metric(scraped, "kim_outbox_pending_events") >= 3 * written
    assert await unsent(runtime) >= 3 * written
    assert worst_transaction < SEND_TIMEOUT_S + 3, "a transaction waited on the broker"

    await asyncio.to_thread(outage_kafka.start)
    await eventually(lambda: _none_unsent(runtime), within=120, what="the backlog after the outage")
    await assert_every_event_arrived_once_in_order(runtime, outage_kafka.bootstrap_servers)
    assert metric((await http.get("/metrics")).text, "kim_broker_up") == 1


async def _none_unsent(runtime: Runtime) -> bool:
    return await unsent(runtime) == 0


async def test_a_service_stops_within_its_grace_period_while_kafka_is_down(
    settings: RegistrySettings, auth: Auth, outage_kafka: KafkaNode
) -> None:
    app: FastAPI = create_app(settings)
    service = contextlib.AsyncExitStack()
    http = await service.enter_async_context(serving(app))
    try:
        runtime: Runtime = app.state.runtime
        await import_regions(runtime.pool, "35.02.01", runtime.source)
        await asyncio.to_thread(outage_kafka.stop)
        headers = operator(auth)
        for i, village in enumerate(await villages(runtime, 3)):
            await write_kim(http, headers, village, i)
        await asyncio.sleep(3 * SEND_TIMEOUT_S)  # the relay retries, batches wait in the producer
        assert await unsent(runtime) > 0
    finally:
        started = time.monotonic()
        await asyncio.wait_for(service.aclose(), 60)
        stopped_in = time.monotonic() - started
    assert stopped_in < GRACE_S, f"shutdown took {stopped_in:.1f}s with Kafka down"


async def test_a_service_starts_while_kafka_is_down_and_catches_up(
    settings: RegistrySettings, auth: Auth, outage_kafka: KafkaNode
) -> None:
    """A pod restarted during an outage serves its API, stages its events and starts
    consuming once the broker is back (start-up must not wait for Kafka)."""
    await asyncio.to_thread(outage_kafka.stop)
    app: FastAPI = create_app(settings)
    started = time.monotonic()
    async with serving(app) as http:
        assert time.monotonic() - started < GRACE_S, "start-up waited for the broker"
        runtime: Runtime = app.state.runtime
        assert (await http.get("/readyz")).status_code == 200
        await import_regions(runtime.pool, "35.02.01", runtime.source)
        kim_id = await write_kim(http, operator(auth), (await villages(runtime, 1))[0], 0)
        assert await unsent(runtime) > 0

        await asyncio.to_thread(outage_kafka.start)
        await eventually(lambda: _none_unsent(runtime), within=120, what="the backlog sent")
        fact = ArticlePublished(
            article_id=uuid.uuid4(),
            kim_id=uuid.UUID(kim_id),
            village_code="35.02.01.2001",
            title="Kerja bakti",
            published_at=datetime.now(UTC),
        )
        await runtime.producer.deliver(
            [OutgoingRecord(fact.topic.name, kim_id.encode(), envelope(fact, SOURCE).to_bytes())]
        )

        async def projected() -> bool:
            n: int = await runtime.pool.fetchval(
                "SELECT count(*) FROM kim_activity WHERE kim_id = $1", uuid.UUID(kim_id)
            )
            return n == 1

        await eventually(projected, within=120, what="the consumer started after the outage")
