"""Liveness and readiness: 200 when every check passes, 503 on failure or timeout."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI

from kim_shared.http.health import CheckResult, HealthChecks, broker_check, health_router


async def ok_check() -> CheckResult:
    return CheckResult(True, "fine", {"n": 1})


async def failing_check() -> CheckResult:
    return CheckResult(False, "disk on fire")


async def raising_check() -> CheckResult:
    raise ConnectionRefusedError("connection refused")


async def slow_check() -> CheckResult:
    await asyncio.sleep(5)
    return CheckResult(True)


async def get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


def app_with(checks: HealthChecks) -> FastAPI:
    app = FastAPI()
    app.include_router(health_router(checks))
    return app


async def test_healthz_and_ready_when_all_checks_pass() -> None:
    checks = HealthChecks()
    checks.add("database", ok_check)
    app = app_with(checks)
    assert (await get(app, "/healthz")).json() == {"status": "ok"}
    ready = await get(app, "/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["data"] == {"n": 1}
    assert "/readyz" not in app.openapi()["paths"]


async def test_not_ready_when_a_check_fails_or_raises() -> None:
    checks = HealthChecks()
    checks.add("database", ok_check)
    checks.add("disk", failing_check)
    checks.add("broker", broker_check(lambda: asyncio.sleep(0, result=False)))
    checks.add("cache", raising_check)
    response = await get(app_with(checks), "/readyz")
    assert response.status_code == 503
    results = response.json()["checks"]
    assert response.json()["status"] == "fail"
    assert results["database"]["ok"] is True
    assert results["disk"] == {
        "ok": False,
        "detail": "disk on fire",
        "data": {},
        "duration_ms": results["disk"]["duration_ms"],
    }
    assert results["broker"]["detail"] == "broker ping failed"
    assert results["cache"]["detail"] == "ConnectionRefusedError: connection refused"


async def test_a_slow_check_times_out_without_delaying_the_others() -> None:
    checks = HealthChecks(default_timeout_s=0.2)
    checks.add("slow", slow_check)
    checks.add("slower", slow_check, timeout_s=0.3)
    checks.add("database", ok_check)
    started = time.perf_counter()
    response = await get(app_with(checks), "/readyz")
    assert time.perf_counter() - started < 1.5  # concurrent, bounded by the longest timeout
    assert response.status_code == 503
    results = response.json()["checks"]
    assert results["slow"]["detail"] == "timed out after 0.2s"
    assert results["slower"]["detail"] == "timed out after 0.3s"
    assert results["database"]["ok"] is True


async def test_checks_given_as_a_mapping() -> None:
    app = FastAPI()
    app.include_router(health_router({"broker": broker_check(lambda: asyncio.sleep(0, True))}))
    response = await get(app, "/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"] == "broker reachable"
