"""Prometheus metrics: per-app registries, route templates, gauges, scrape hooks."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families

from kim_shared.http.app import install_http_kit
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.http.outbox_stats import OutboxSnapshot


def make_app(metrics: ServiceMetrics) -> FastAPI:
    app = FastAPI()

    @app.get("/kims/{kim_id}")
    async def read(kim_id: int) -> dict[str, int]:
        return {"id": kim_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    install_http_kit(app, "test", metrics)
    return app


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_by_route_template() -> None:
    metrics = ServiceMetrics(process_metrics=False)
    transport = httpx.ASGITransport(app=make_app(metrics))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for kim_id in (1, 2, 3):
            assert (await client.get(f"/kims/{kim_id}")).status_code == 200
        assert (await client.get("/kims/x")).status_code == 422
        assert (await client.get("/no/such/path")).status_code == 404
        assert (await client.get("/boom")).status_code == 500
        text = await scrape(client)

    counts = samples(text, "http_requests_total")
    assert counts[(("method", "GET"), ("route", "/kims/{kim_id}"), ("status", "200"))] == 3
    assert counts[(("method", "GET"), ("route", "/kims/{kim_id}"), ("status", "422"))] == 1
    assert counts[(("method", "GET"), ("route", "<unmatched>"), ("status", "404"))] == 1
    assert counts[(("method", "GET"), ("route", "/boom"), ("status", "500"))] == 1
    assert not any("/kims/1" in dict(labels)["route"] for labels in counts)
    durations = samples(text, "http_request_duration_seconds_count")
    assert durations[(("method", "GET"), ("route", "/kims/{kim_id}"), ("status", "200"))] == 3


async def test_templates_include_router_and_mount_prefixes() -> None:
    metrics = ServiceMetrics(process_metrics=False)
    app = make_app(metrics)
    router = APIRouter(prefix="/v1")

    @router.get("/desa/{code}")
    async def desa(code: str) -> dict[str, str]:
        return {"code": code}

    app.include_router(router)
    sub = FastAPI()

    @sub.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    app.mount("/legacy", sub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/v1/desa/35.02")).status_code == 200
        assert (await client.get("/legacy/items/9")).status_code == 200
        text = await scrape(client)
    routes = {dict(labels)["route"] for labels in samples(text, "http_requests_total")}
    assert {"/v1/desa/{code}", "/legacy/items/{item_id}"} <= routes


async def test_each_app_has_its_own_registry_and_gauges_refresh_at_scrape() -> None:
    first, second = ServiceMetrics(process_metrics=False), ServiceMetrics(process_metrics=False)
    app_one, app_two = make_app(first), make_app(second)  # no duplicate-metric error

    refreshed: list[int] = []

    async def hook() -> None:
        refreshed.append(1)
        first.set_outbox(OutboxSnapshot(pending=7, oldest_age_s=12.5))

    async def broken_hook() -> None:
        raise ConnectionError("db down")

    first.add_scrape_hook(hook)
    first.add_scrape_hook(broken_hook)  # logged; the scrape still succeeds
    first.set_consumer_lag("content", "kim.registry.kim.v1", 2, 40)
    first.record_dead_letter("kim.registry.kim.v1")
    first.record_dead_letter("kim.registry.kim.v1")

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_one), base_url="http://t"
    ) as client:
        await client.get("/kims/1")
        text = await scrape(client)
    assert refreshed == [1]
    assert samples(text, "kim_outbox_pending_events") == {(): 7}
    assert samples(text, "kim_outbox_oldest_pending_age_seconds") == {(): 12.5}
    lag = (("group", "content"), ("partition", "2"), ("topic", "kim.registry.kim.v1"))
    assert samples(text, "kim_consumer_lag_messages") == {lag: 40}
    assert samples(text, "kim_dlq_messages_total") == {(("topic", "kim.registry.kim.v1"),): 2}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_two), base_url="http://t"
    ) as client:
        text_two = await scrape(client)
    assert samples(text_two, "kim_dlq_messages_total") == {}
    assert not samples(text_two, "http_requests_total")  # the scrape counts after answering


async def test_openmetrics_is_negotiated_and_process_metrics_present() -> None:
    metrics = ServiceMetrics()
    transport = httpx.ASGITransport(app=make_app(metrics))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(
            "/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"}
        )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert "process_cpu_seconds_total" in response.text or "python_info" in response.text
