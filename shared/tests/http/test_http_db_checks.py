"""Readiness checks and outbox gauges against a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from kim_shared.db import apply_migrations, create_pool
from kim_shared.http.app import install_http_kit
from kim_shared.http.health import database_check, outbox_backlog_check
from kim_shared.http.metrics import ServiceMetrics


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[asyncpg.Pool]:
    conn = await asyncpg.connect(fresh_db)
    try:
        await apply_migrations(conn, "test", None)
    finally:
        await conn.close()
    pool = await create_pool(fresh_db, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def add_outbox_rows(pool: asyncpg.Pool, n: int, age: timedelta) -> None:
    for _ in range(n):
        await pool.execute(
            "INSERT INTO outbox (event_id, topic, key, event_type, payload, created_at)"
            " VALUES ($1, 'kim.test.v1', 'k', 'kim.test.x.v1', '\\x00'::bytea,"
            " now() - $2::interval)",
            uuid.uuid4(),
            age,
        )


async def test_backlog_and_parked_rows_show_on_status_and_metrics_not_readiness(
    pool: asyncpg.Pool,
) -> None:
    app = FastAPI()
    metrics = ServiceMetrics(process_metrics=False)
    checks = install_http_kit(app, "test", metrics)
    checks.add("database", database_check(pool))
    checks.add("outbox", outbox_backlog_check(pool, max_pending=2, max_age_s=60), readiness=False)
    metrics.track_outbox(pool)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        status = await client.get("/status")
        assert status.status_code == 200, status.text
        assert status.json()["status"] == "ok"
        assert status.json()["checks"]["outbox"]["data"] == {
            "pending": 0,
            "oldest_age_s": 0.0,
            "parked": 0,
            "oldest_parked_age_s": 0.0,
        }

        await add_outbox_rows(pool, 1, timedelta(minutes=5))
        stale = await client.get("/status")
        assert stale.status_code == 200, "a backlog never answers 503"
        assert stale.json()["status"] == "degraded"
        outbox = stale.json()["checks"]["outbox"]
        assert outbox["ok"] is False
        assert "oldest pending event is 300s old (max 60s)" in outbox["detail"]
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) == {"database"}

        await pool.execute("UPDATE outbox SET sent_at = now()")
        await add_outbox_rows(pool, 3, timedelta(seconds=1))
        await pool.execute(
            "UPDATE outbox SET parked_at = now() - interval '90 seconds', last_error = 'x'"
            " WHERE id = (SELECT max(id) FROM outbox)"
        )
        backlog = (await client.get("/status")).json()["checks"]["outbox"]
        assert "1 events parked" in backlog["detail"]
        assert backlog["data"]["pending"] == 2
        assert (await client.get("/readyz")).status_code == 200

        scraped = (await client.get("/metrics")).text
    values = {
        s.name: s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
    }
    assert values["kim_outbox_pending_events"] == 2
    assert 1 <= values["kim_outbox_oldest_pending_age_seconds"] < 60
    assert values["kim_outbox_parked_events"] == 1
    assert 90 <= values["kim_outbox_oldest_parked_age_seconds"] < 150


async def test_database_check_fails_when_the_pool_is_closed(pool: asyncpg.Pool) -> None:
    check = database_check(pool)
    assert (await check()).ok is True
    await pool.close()
    with pytest.raises(asyncpg.InterfaceError):
        await check()  # HealthChecks turns this into a failed check with the error text
