"""Each service starts against the real broker and database and answers its
operational endpoints; its outbox relay publishes what a transaction commits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI

from kim_devstack.testing import eventually
from kim_shared import outbox
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.kafka import read_topic

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(ep.name for ep in entry_points(group="kim.services"))


def settings_for(service: str, dsn: str, bootstrap: str, tmp_path: Path) -> Any:
    module = import_module(f"kim_{service}.settings")
    cls = getattr(module, f"{service.capitalize()}Settings")
    return cls(
        database_url=dsn,
        kafka_bootstrap_servers=bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
    )


@pytest.fixture(params=SERVICES)
async def service_app(
    request: pytest.FixtureRequest, fresh_db: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[tuple[str, FastAPI]]:
    service: str = request.param
    app: FastAPI = import_module(f"kim_{service}.main").create_app(
        settings_for(service, fresh_db, kafka_bootstrap, tmp_path)
    )
    async with app.router.lifespan_context(app):
        yield service, app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


async def test_operational_endpoints(service_app: tuple[str, FastAPI]) -> None:
    service, app = service_app
    async with client(app) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) == {"database"}  # broker, backlog: /status, /metrics
        status = await http.get("/status")
        assert status.status_code == 200, status.text
        assert set(status.json()["checks"]) == {"database", "broker", "outbox"}
        metrics = (await http.get("/metrics")).text
        assert "kim_outbox_pending_events 0.0" in metrics
        assert 'http_requests_total{method="GET",route="/readyz",status="200"}' in metrics
        asyncapi = (await http.get("/asyncapi.json")).json()
        committed = json.loads((ROOT / "services" / service / "asyncapi.json").read_text())
        assert asyncapi["channels"] == committed["channels"]
        assert asyncapi["info"]["title"] == committed["info"]["title"]
        assert (await http.get("/asyncapi")).status_code == 200
        assert (await http.get("/openapi.json")).json()["info"]["title"] == app.title
        missing = await http.get("/no-such-thing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


class Pinged(Event):
    event_type: ClassVar[str] = "kim.test.ping.sent.v1"
    topic: ClassVar[TopicSpec]
    subject_field: ClassVar[str] = "ping_id"

    ping_id: str


async def test_outbox_relay_runs_in_the_service(
    service_app: tuple[str, FastAPI], new_topic: Any, kafka_bootstrap: str
) -> None:
    service, app = service_app
    Pinged.topic = await new_topic(prefix=f"kim.test.{service}")
    runtime = app.state.runtime
    async with runtime.pool.acquire() as conn, conn.transaction():
        ce = await outbox.add(conn, Pinged(ping_id="p1"), runtime.source)

    async def published() -> bool:
        return bool(await read_topic(kafka_bootstrap, Pinged.topic.name))

    await eventually(published, within=20, what="the service's relay to publish")
    (record,) = await read_topic(kafka_bootstrap, Pinged.topic.name)
    body = json.loads(record.value or b"")
    assert body["id"] == str(ce.id)
    assert body["source"] == f"/kim/{service}"
