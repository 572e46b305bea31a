"""Composition of a KIM service: what every ``main.py`` would otherwise repeat.

A service declares a :class:`ServiceSpec` (its routers, migrations, the events
it publishes and its consumers) and its settings; :func:`build_app` returns
the FastAPI app whose lifespan, in order, configures logging, opens the pool,
applies migrations, builds the token verifier, starts the idempotent producer,
the outbox relay, the housekeeping task and a standalone FastStream
``KafkaBroker`` with the inbox consumers, and registers checks and metrics.
Nothing is created at import time; shutdown runs in reverse, each step
bounded, so a service stops within its grace period even while Kafka is away.

Readiness (``/readyz``) is the database only; the broker and the outbox backlog
are on ``/status`` and ``/metrics`` (a broker outage is not an API outage).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker

from kim_shared.auth import create_token_verifier, install_auth_error_handlers
from kim_shared.db import apply_migrations, create_pool
from kim_shared.events.asyncapi import build_asyncapi
from kim_shared.events.base import Event
from kim_shared.housekeeping import housekeeping
from kim_shared.http.app import install_http_kit
from kim_shared.http.health import broker_check, database_check, outbox_backlog_check
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.inbox import Handler, InboxConsumer, Outcome, subscribe
from kim_shared.inbox.lag import consumer_lag
from kim_shared.kafka import Producer
from kim_shared.logging import configure_logging
from kim_shared.outbox import EventSource, OutboxRelay
from kim_shared.outbox.relay import RelayConfig
from kim_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group of a service: ``<service>.<purpose>`` and its handlers."""

    name: str
    handlers: Mapping[type[Event], Handler]
    description: str = ""


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "registry": also the CloudEvents source /kim/registry
    title: str
    description: str
    migrations: Path | None = None
    routers: Sequence[APIRouter] = ()
    publishes: Sequence[type[Event]] = ()
    consumers: Sequence[ConsumerSpec] = ()
    constraint_messages: Mapping[str, str] = field(default_factory=dict)
    version: str = "0.1.0"

    def asyncapi(self, bootstrap: str = "127.0.0.1:19092") -> dict[str, Any]:
        return build_asyncapi(
            self.name,
            publishes=self.publishes,
            consumes=[(c.name, m) for c in self.consumers for m in c.handlers],
            bootstrap=bootstrap,
            version=self.version,
        )


@dataclass
class Runtime:
    """Resources of a running service, kept as ``app.state.runtime``."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    producer: Producer
    broker: KafkaBroker
    source: EventSource


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_pool(request: Request) -> asyncpg.Pool:
    return get_runtime(request).pool


def get_source(request: Request) -> EventSource:
    return get_runtime(request).source


Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
Source = Annotated[EventSource, Depends(get_source)]


def build_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    metrics = ServiceMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, json=settings.log_json)
        async with contextlib.AsyncExitStack() as stack:
            runtime = await _start(spec, settings, metrics, stack)
            app.state.runtime = runtime
            app.state.token_verifier = create_token_verifier(settings)
            checks = app.state.health
            checks.add("database", database_check(runtime.pool))
            checks.add(
                "broker", broker_check(runtime.producer.ping), timeout_s=5.0, readiness=False
            )
            checks.add("outbox", outbox_backlog_check(runtime.pool, 10_000, 300.0), readiness=False)
            metrics.track_outbox(runtime.pool)
            metrics.track_broker(runtime.producer.ping)
            metrics.add_scrape_hook(_lag_hook(runtime.broker, metrics))
            log.info("%s started", spec.name)
            yield
            log.info("%s stopping", spec.name)

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
    )
    install_http_kit(app, spec.name, metrics, constraint_messages=spec.constraint_messages)
    install_auth_error_handlers(app)
    app.include_router(_asyncapi_router(spec, settings))
    for router in spec.routers:
        app.include_router(router)
    return app


async def _start(
    spec: ServiceSpec,
    settings: ServiceSettings,
    metrics: ServiceMetrics,
    stack: contextlib.AsyncExitStack,
) -> Runtime:
    pool = await create_pool(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
    )
    stack.push_async_callback(pool.close)
    async with pool.acquire() as conn:
        applied = await apply_migrations(conn, spec.name, spec.migrations)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))

    producer = Producer(
        settings.kafka_bootstrap_servers,
        client_id=f"kim-{spec.name}",
        send_timeout_s=settings.kafka_send_timeout_s,
        stop_timeout_s=settings.kafka_stop_timeout_s,
    )
    await producer.start()
    stack.push_async_callback(producer.stop)

    relay = OutboxRelay(
        pool,
        settings.database_url,
        producer,
        RelayConfig(
            batch_size=settings.outbox_batch_size,
            poll_interval_s=settings.outbox_poll_interval_s,
        ),
    )
    relay_task = asyncio.create_task(relay.run(), name=f"{spec.name}-outbox-relay")

    async def stop_relay() -> None:
        relay.stop()  # the batch in flight ends within the send timeout; then cancel
        try:
            await asyncio.wait_for(relay_task, settings.kafka_send_timeout_s + 1.0)
        except TimeoutError:
            log.warning("outbox relay did not stop in time; cancelled")

    stack.push_async_callback(stop_relay)

    cleaner = asyncio.create_task(housekeeping(pool), name=f"{spec.name}-housekeeping")

    async def stop_housekeeping() -> None:
        cleaner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await cleaner

    stack.push_async_callback(stop_housekeeping)

    def counter(group: str) -> Callable[[str, Outcome], None]:
        def count(topic: str, outcome: Outcome) -> None:
            metrics.record_outcome(group, topic, outcome.value)
            if outcome is Outcome.DEAD_LETTERED:
                metrics.record_dead_letter(topic)

        return count

    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"kim-{spec.name}",
        allow_auto_create_topics=False,
        logger=logging.getLogger(f"kim.{spec.name}.broker"),
    )
    for c in spec.consumers:
        consumer = InboxConsumer(c.name, pool, producer, c.handlers, on_outcome=counter(c.name))
        subscribe(broker, consumer, description=c.description)
    await broker.start()
    stack.push_async_callback(broker.stop)
    return Runtime(settings, pool, producer, broker, EventSource(spec.name))


def _lag_hook(broker: KafkaBroker, metrics: ServiceMetrics) -> Callable[[], Awaitable[None]]:
    async def refresh_lag() -> None:
        for p in await consumer_lag(broker):
            metrics.set_consumer_lag(p.group, p.topic, p.partition, p.lag)

    return refresh_lag


def _asyncapi_router(spec: ServiceSpec, settings: ServiceSettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def document() -> dict[str, Any]:
        return spec.asyncapi(settings.kafka_bootstrap_servers)

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(document())

    @router.get("/asyncapi")
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(_asyncapi_page(spec.title))

    return router


def _asyncapi_page(title: str) -> str:
    from faststream.specification.asyncapi.site import (
        ASYNCAPI_CSS_DEFAULT_URL,
        ASYNCAPI_JS_DEFAULT_URL,
    )

    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} — AsyncAPI</title>
<link rel="stylesheet" href="{ASYNCAPI_CSS_DEFAULT_URL}"></head>
<body><div id="asyncapi"></div>
<script src="{ASYNCAPI_JS_DEFAULT_URL}"></script>
<script>
fetch("asyncapi.json").then(r => r.json()).then(schema =>
  AsyncApiStandalone.render({{schema, config: {{show: {{sidebar: true}}}}}},
                            document.getElementById("asyncapi")));
</script></body></html>
"""
