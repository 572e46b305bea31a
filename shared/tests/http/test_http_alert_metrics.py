"""Metrics the alert rules need: readiness answers and flaps, consumer lag of the
partitions assigned now (deploy/k8s/base/observability/prometheus-rules.yaml)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from kim_shared.http.app import install_http_kit
from kim_shared.http.health import CheckResult
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.inbox.lag import PartitionLag


def sample_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_every_readyz_answer_sets_kim_ready_and_counts_changes() -> None:
    metrics = ServiceMetrics(process_metrics=False)
    app = FastAPI()
    checks = install_http_kit(app, "test", metrics)
    database_ok = True

    async def database() -> CheckResult:
        return CheckResult(database_ok, "")

    checks.add("database", database)
    transport = httpx.ASGITransport(app=app)
    seen: list[tuple[float, float]] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for ok in (True, True, False, False, True, False):
            database_ok = ok
            assert (await client.get("/readyz")).status_code == (200 if ok else 503)
            values = sample_values((await client.get("/metrics")).text)
            seen.append((values[("kim_ready", ())], values[("kim_readiness_changes_total", ())]))
        # /status runs the same checks but is not a readiness answer: nothing changes.
        database_ok = True
        await client.get("/status")
        values = sample_values((await client.get("/metrics")).text)

    assert seen == [(1, 0), (1, 0), (0, 1), (0, 1), (1, 2), (0, 3)]
    assert values[("kim_ready", ())] == 0
    assert values[("kim_readiness_changes_total", ())] == 3


def test_consumer_lag_reports_only_the_partitions_assigned_now() -> None:
    metrics = ServiceMetrics(process_metrics=False)
    metrics.replace_consumer_lag(
        [
            PartitionLag("content.projection.regions", "kim.registry.region.v1", p, 10 + p)
            for p in (0, 1)
        ]
    )
    # A rebalance hands partition 0 to another pod; its last value must not linger here.
    metrics.replace_consumer_lag(
        [PartitionLag("content.projection.regions", "kim.registry.region.v1", 1, 3)]
    )
    lags = {
        labels: value
        for (name, labels), value in sample_values(metrics.render(None)[0].decode()).items()
        if name == "kim_consumer_lag_messages"
    }
    assert lags == {
        (
            ("group", "content.projection.regions"),
            ("partition", "1"),
            ("topic", "kim.registry.region.v1"),
        ): 3
    }
