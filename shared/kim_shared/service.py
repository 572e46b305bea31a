"""Composition of a KIM service: what every ``main.py`` would otherwise repeat.

A service declares a :class:`ServiceSpec` (its routers, migrations, the events
it publishes and its consumers) and its settings; :func:`build_app` returns
the FastAPI app whose lifespan, in order, configures logging, opens the pool,
applies migrations, builds the token verifier, starts the idempotent producer,
the outbox relay and a standalone FastStream ``KafkaBroker`` with the inbox
consumers, and registers readiness checks and metrics. Nothing is created at
import time; shutdown runs in reverse.
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
from faststream.kafka import KafkaBroker

from kim_shared.auth import create_token_verifier
from kim_shared.db import apply_migrations, create_pool
from kim_shared.events.asyncapi import build_asyncapi
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.http.app import install_http_kit
from kim_shared.http.docs import DocsAssets, install_docs
from kim_shared.http.health import broker_check, database_check, outbox_backlog_check
from kim_shared.http.idempotency import purge_idempotency_keys
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.http.openapi import install_openapi
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
    """One consumer group of a service: ``<service>.<purpose>`` and its handlers.

    ``rebuildable`` marks a projection that may be emptied and replayed from the start of
    its topics (DESIGN §3): every topic it reads must then be a state topic, compacted and
    kept forever, or a rebuild would silently lose what expired. Construction refuses a
    rebuildable consumer of a fact topic.
    """

    name: str
    handlers: Mapping[type[Event], Handler]
    description: str = ""
    rebuildable: bool = False

    def __post_init__(self) -> None:
        if not self.rebuildable:
            return
        expiring = sorted({m.topic.name for m in self.handlers if not m.topic.keeps_every_key})
        if expiring:
            raise ValueError(
                f"{self.name} is rebuildable, but {', '.join(expiring)} can lose records: a "
                "projection rebuilds only from state topics (compacted, kept forever)"
            )

    @property
    def topics(self) -> list[TopicSpec]:
        return sorted({m.topic for m in self.handlers}, key=lambda t: t.name)


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
            checks.add("broker", broker_check(runtime.producer.ping), timeout_s=5.0)
            checks.add("outbox", outbox_backlog_check(runtime.pool, 10_000, 300.0))
            metrics.track_outbox(runtime.pool)
            metrics.add_scrape_hook(_lag_hook(runtime.broker, metrics))
            log.info("%s started", spec.name)
            yield
            log.info("%s stopping", spec.name)

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without CDNs
        redoc_url=None,
    )
    install_http_kit(
        app,
        spec.name,
        metrics,
        constraint_messages=spec.constraint_messages,
        max_body_bytes=settings.max_body_bytes,
    )
    install_docs(
        app,
        DocsAssets.locate(settings.asyncapi_viewer_dir),
        lambda: spec.asyncapi(settings.kafka_bootstrap_servers),
    )
    for router in spec.routers:
        app.include_router(router)
    install_openapi(app)  # errors, security and If-Match as the kit answers them
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

    producer = Producer(settings.kafka_bootstrap_servers, client_id=f"kim-{spec.name}")
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
        relay.stop()
        await relay_task

    stack.push_async_callback(stop_relay)

    housekeeping = asyncio.create_task(_housekeeping(pool), name=f"{spec.name}-housekeeping")

    async def stop_housekeeping() -> None:
        housekeeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await housekeeping

    stack.push_async_callback(stop_housekeeping)

    def count(topic: str, outcome: Outcome) -> None:
        if outcome is Outcome.DEAD_LETTERED:
            metrics.record_dead_letter(topic)

    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"kim-{spec.name}",
        allow_auto_create_topics=False,
        logger=logging.getLogger(f"kim.{spec.name}.broker"),
    )
    for c in spec.consumers:
        consumer = InboxConsumer(c.name, pool, producer, c.handlers, on_outcome=count)
        subscribe(broker, consumer, description=c.description)
    await broker.start()
    stack.push_async_callback(broker.stop)
    return Runtime(settings, pool, producer, broker, EventSource(spec.name))


async def _housekeeping(pool: asyncpg.Pool, every_s: float = 3600.0) -> None:
    """Hourly: forget expired Idempotency-Keys (the relay purges sent outbox rows itself)."""
    while True:
        try:
            async with pool.acquire() as conn:
                purged = await purge_idempotency_keys(conn)
            if purged:
                log.info("purged %d expired idempotency keys", purged)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("housekeeping skipped: %s", exc)
        await asyncio.sleep(every_s)


def _lag_hook(broker: KafkaBroker, metrics: ServiceMetrics) -> Callable[[], Awaitable[None]]:
    async def refresh_lag() -> None:
        for p in await consumer_lag(broker):
            metrics.set_consumer_lag(p.group, p.topic, p.partition, p.lag)

    return refresh_lag
