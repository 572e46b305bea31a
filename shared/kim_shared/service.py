"""Composition of a KIM service: what every ``main.py`` would otherwise repeat.

A service declares a :class:`ServiceSpec` (its routers, migrations, the events
it publishes, its consumers and the projections of registry state it mounts) and its
settings; :func:`build_app` sets up the process's tracing (:mod:`kim_shared.tracing`:
OpenTelemetry, exporting only when a collector is configured) and returns
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
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI, Request
from faststream.kafka import KafkaBroker

from kim_shared.auth import create_token_verifier
from kim_shared.db import MigrationSet, apply_migrations, create_pool
from kim_shared.events.asyncapi import build_asyncapi
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.housekeeping import housekeeping
from kim_shared.http.app import install_http_kit
from kim_shared.http.dead_letters import dead_letters_router
from kim_shared.http.docs import DocsAssets, install_docs
from kim_shared.http.health import broker_check, database_check, outbox_backlog_check
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.http.openapi import install_openapi
from kim_shared.inbox import (
    BaseInboxConsumer,
    BatchHandler,
    BatchInboxConsumer,
    Handler,
    InboxConsumer,
    Outcome,
    subscribe,
)
from kim_shared.inbox.lag import consumer_lag
from kim_shared.logging import configure_logging
from kim_shared.outbox import EventSource, OutboxRelay
from kim_shared.outbox.relay import RelayConfig
from kim_shared.producer import BrokerUnavailable, Producer
from kim_shared.projections.base import Projection
from kim_shared.settings import ServiceSettings
from kim_shared.tracing import configure_tracing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group of a service: ``<service>.<purpose>`` and its handlers.

    Either per-event ``handlers`` (one transaction per event: commands with side effects)
    or one ``batch`` handler for the ``events`` types (set-based, one transaction per batch:
    projections); see :mod:`kim_shared.inbox.consumer`.

    ``rebuildable`` marks a projection that may be emptied and replayed from the start of
    its topics (DESIGN §3): every topic it reads must then be a state topic, compacted and
    kept forever, or a rebuild would silently lose what expired. Construction refuses a
    rebuildable consumer of a fact topic.
    """

    name: str
    handlers: Mapping[type[Event], Handler] = field(default_factory=dict)
    description: str = ""
    rebuildable: bool = False
    batch: BatchHandler | None = None
    events: tuple[type[Event], ...] = ()

    def __post_init__(self) -> None:
        if (self.batch is None) == (not self.handlers):
            raise ValueError(f"{self.name}: give either per-event handlers or a batch handler")
        if self.batch is not None and not self.events:
            raise ValueError(f"{self.name}: a batch handler needs the event types it takes")
        if not self.rebuildable:
            return
        expiring = sorted({m.topic.name for m in self.models if not m.topic.keeps_every_key})
        if expiring:
            raise ValueError(
                f"{self.name} is rebuildable, but {', '.join(expiring)} can lose records: a "
                "projection rebuilds only from state topics (compacted, kept forever)"
            )

    @property
    def models(self) -> tuple[type[Event], ...]:
        """The event types this consumer applies."""
        return self.events if self.batch is not None else tuple(self.handlers)

    @property
    def topics(self) -> list[TopicSpec]:
        return sorted({m.topic for m in self.models}, key=lambda t: t.name)

    def inbox_consumer(
        self,
        pool: asyncpg.Pool,
        producer: Producer,
        *,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> BaseInboxConsumer:
        """The inbox consumer of this group: a transaction per event for per-event handlers,
        per partition's batch for a batch handler."""
        if self.batch is not None:
            return BatchInboxConsumer(
                self.name, pool, producer, self.batch, self.events, on_outcome=on_outcome
            )
        return InboxConsumer(self.name, pool, producer, self.handlers, on_outcome=on_outcome)


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
    projections: Sequence[Projection] = ()
    """Projections of registry state the service mounts (``(REGIONS, KIM)``): their
    migrations and a rebuildable consumer each, see :attr:`every_consumer`."""
    tasks: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = ()
    """Background loops of the service (a scheduler, say): started once the runtime is up,
    cancelled first at shutdown. Each must survive its own errors (log and go on)."""

    # -- Projections mounted by the service (kit pieces, DESIGN §4) -------------------------

    @property
    def mounted_migrations(self) -> tuple[MigrationSet, ...]:
        """The mounted projections' migrations, applied after the kit's, before the service's."""
        return tuple(p.migration_set for p in self.projections)

    @property
    def every_consumer(self) -> tuple[ConsumerSpec, ...]:
        """The service's own consumers and one per mounted projection."""
        return (*self.consumers, *(projection_consumer(self.name, p) for p in self.projections))

    @property
    def topics_by_consumer(self) -> dict[str, list[str]]:
        """Consumer group -> the topics it reads: whose dead letters ``GET /dead-letters``
        lists (:mod:`kim_shared.http.dead_letters`)."""
        return {c.name: [t.name for t in c.topics] for c in self.every_consumer}

    # ---------------------------------------------------------------------------------------

    def asyncapi(self, bootstrap: str = "127.0.0.1:19092") -> dict[str, Any]:
        return build_asyncapi(
            self.name,
            publishes=self.publishes,
            consumes=[(c.name, m) for c in self.every_consumer for m in c.models],
            bootstrap=bootstrap,
            version=self.version,
        )


def projection_consumer(service: str, projection: Projection) -> ConsumerSpec:
    """The consumer that keeps ``projection`` in ``service``: ``<service>.projection.<name>``,
    its batch handler, rebuildable (it reads state topics only)."""
    return ConsumerSpec(
        name=projection.consumer_name(service),
        batch=projection.apply,
        events=projection.events,
        description=projection.description,
        rebuildable=True,
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
    """The running service's resources (a plain function: call it, do not ``Depends`` it)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


# The dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread
# pool, a hop to a worker thread and back on every request for an attribute lookup.


async def get_pool(request: Request) -> asyncpg.Pool:
    runtime: Runtime = request.app.state.runtime
    return runtime.pool


async def get_source(request: Request) -> EventSource:
    runtime: Runtime = request.app.state.runtime
    return runtime.source


Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
Source = Annotated[EventSource, Depends(get_source)]


def build_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    metrics = ServiceMetrics()
    provider = configure_tracing(spec.name, settings.tracing)

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
        provider.force_flush(2_000)  # spans of the last requests reach the collector

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
    app.include_router(
        dead_letters_router(spec.name, settings.kafka_bootstrap_servers, spec.topics_by_consumer)
    )
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
        applied = await apply_migrations(
            conn, spec.name, spec.migrations, mounted=spec.mounted_migrations
        )
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))

    producer = Producer(
        settings.kafka_bootstrap_servers,
        client_id=f"kim-{spec.name}",
        send_timeout_s=settings.kafka_send_timeout_s,
        stop_timeout_s=settings.kafka_stop_timeout_s,
    )
    try:
        await producer.start()
    except BrokerUnavailable as exc:  # a broker outage is not an API outage, at start-up too
        log.warning("Kafka unreachable at start-up; the relay connects when it answers: %s", exc)
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
    for c in spec.every_consumer:
        consumer = c.inbox_consumer(pool, producer, on_outcome=counter(c.name))
        subscribe(broker, consumer, description=c.description)
    consumers = asyncio.create_task(_start_consumers(broker), name=f"{spec.name}-consumers")

    async def stop_consumers() -> None:
        consumers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumers
        await broker.stop()

    stack.push_async_callback(stop_consumers)
    runtime = Runtime(settings, pool, producer, broker, EventSource(spec.name))
    for task in spec.tasks:
        stack.push_async_callback(_cancel, asyncio.create_task(task(runtime)))
    return runtime


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _start_consumers(broker: KafkaBroker, max_backoff_s: float = 30.0) -> None:
    """Start the consumers once Kafka answers: a service started during a broker outage
    serves its API (and stages events) meanwhile, and consumes when the broker is back."""
    backoff = 0.5
    while True:
        try:
            await broker.start()
            return
        except (KafkaError, OSError) as exc:
            log.warning(
                "consumers not started, Kafka unreachable; retrying in %.1fs: %s", backoff, exc
            )
            await broker.stop()  # drop what the failed start half-made before trying again
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff_s)


def _lag_hook(broker: KafkaBroker, metrics: ServiceMetrics) -> Callable[[], Awaitable[None]]:
    async def refresh_lag() -> None:
        metrics.replace_consumer_lag(await consumer_lag(broker))

    return refresh_lag
