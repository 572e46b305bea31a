"""Liveness and readiness: 200 when every check passes, 503 on failure or timeout."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from kim_shared.http.health import (
    Check,
    CheckResult,
    HealthChecks,
    broker_check,
    health_router,
)


async def ok_check() -> CheckResult:
    return CheckResult(True, "fine", {"n": 1})


async def failing_check() -> CheckResult:
    return CheckResult(False, "disk on fire")


async def raising_check() -> CheckResult:
    raise ConnectionRefusedError("connection refused")


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
    # Each check records that it is running; "database" passes only if it runs while both
    # slow checks are still in flight: run one after another, it would wait for them in vain
    # (they are over by then) and time out itself. No clock is read.
    running: set[str] = set()
    changed = asyncio.Condition()

    def hanging(name: str) -> Check:
        async def check() -> CheckResult:
            async with changed:
                running.add(name)
                changed.notify_all()
            try:
                await asyncio.Event().wait()  # never answers
            finally:
                running.discard(name)
            return CheckResult(True)

        return check

    async def database() -> CheckResult:
        async with changed:
            await changed.wait_for(lambda: {"slow", "slower"} <= running)
        return CheckResult(True, "ran while the slow checks were still running")

    checks = HealthChecks(default_timeout_s=0.2)
    checks.add("slow", hanging("slow"))
    checks.add("slower", hanging("slower"), timeout_s=0.3)
    checks.add("database", database, timeout_s=2.0)
    response = await get(app_with(checks), "/readyz")
    assert response.status_code == 503
    results = response.json()["checks"]
    assert results["slow"]["detail"] == "timed out after 0.2s"
    assert results["slower"]["detail"] == "timed out after 0.3s"
    assert results["database"] == {
        "ok": True,
        "detail": "ran while the slow checks were still running",
        "data": {},
        "duration_ms": results["database"]["duration_ms"],
    }


async def test_informational_checks_are_on_status_only_and_never_fail_readiness() -> None:
    checks = HealthChecks()
    checks.add("database", ok_check)
    checks.add("broker", broker_check(lambda: asyncio.sleep(0, result=False)), readiness=False)
    app = app_with(checks)

    ready = await get(app, "/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"database"}

    status = await get(app, "/status")
    assert status.status_code == 200
    assert status.json()["status"] == "degraded"
    assert status.json()["checks"]["broker"]["detail"] == "broker ping failed"
    assert status.json()["checks"]["database"]["ok"] is True
    assert "/status" not in app.openapi()["paths"]

    checks.add("database", failing_check)  # a readiness check failing: 503 on both
    assert (await get(app, "/readyz")).status_code == 503
    failed = await get(app, "/status")
    assert failed.status_code == 503
    assert failed.json()["status"] == "fail"


async def test_checks_given_as_a_mapping() -> None:
    app = FastAPI()
    app.include_router(health_router({"broker": broker_check(lambda: asyncio.sleep(0, True))}))
    response = await get(app, "/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"] == "broker reachable"
