"""/metrics and /status answer callers inside the cluster (Prometheus, an operator's
port-forward) and 404 to anything the Ingress relays from outside; /healthz and /readyz
answer everyone."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from kim_shared.http.health import CheckResult, HealthChecks, health_router
from kim_shared.http.metrics import ServiceMetrics, metrics_router
from kim_shared.http.problems import PROBLEM_JSON

# what ingress-nginx, Envoy gateways and RFC 7239 proxies add to every request they relay
RELAYED = [
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Real-IP": "203.0.113.7"},
    {"Forwarded": "for=203.0.113.7;proto=https"},
]


async def database() -> CheckResult:
    return CheckResult(False, "connection refused by 10.0.3.4:5432")


def service() -> FastAPI:
    checks = HealthChecks()
    checks.add("database", database)
    app = FastAPI()
    app.include_router(health_router(checks))
    app.include_router(metrics_router(ServiceMetrics()))
    return app


async def get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=service())
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.1.9:8000") as c:
        return await c.get(path, headers=headers)


async def test_prometheus_and_the_probes_reach_every_operational_path() -> None:
    metrics = await get("/metrics")
    assert metrics.status_code == 200
    assert "# HELP process_start_time_seconds" in metrics.text
    status = await get("/status")
    assert status.status_code == 503
    assert "10.0.3.4" in status.text  # the operator sees what failed
    assert (await get("/healthz")).status_code == 200


@pytest.mark.parametrize("headers", RELAYED, ids=lambda h: next(iter(h)))
@pytest.mark.parametrize("path", ["/metrics", "/status"])
async def test_an_outside_caller_gets_404_for_the_insides(
    path: str, headers: dict[str, str]
) -> None:
    answer = await get(path, headers)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert answer.json()["instance"] == path
    assert "10.0.3.4" not in answer.text
    assert "# HELP" not in answer.text


@pytest.mark.parametrize("headers", RELAYED, ids=lambda h: next(iter(h)))
async def test_liveness_and_readiness_stay_open_through_the_ingress_without_details(
    headers: dict[str, str],
) -> None:
    assert (await get("/healthz", headers)).json() == {"status": "ok"}
    ready = await get("/readyz", headers)
    assert ready.status_code == 503
    assert ready.json() == {"status": "fail"}  # the check messages stay inside
    inside = await get("/readyz")
    assert inside.json()["checks"]["database"]["detail"] == "connection refused by 10.0.3.4:5432"
