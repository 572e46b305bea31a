"""Prometheus metrics for one app: HTTP, outbox, broker, consumers, dead letters.

Each app owns a :class:`ServiceMetrics` with its own ``CollectorRegistry``
(never the global default), so several apps in one test process do not clash.

- HTTP: :class:`MetricsMiddleware` counts requests and observes latency by
  method, route *template* (``/kims/{kim_id}``, never the raw path; requests
  matching no route are ``<unmatched>``) and status.
- Outbox backlog (pending rows, oldest age), parked rows (count, oldest age)
  and broker reachability are refreshed **at scrape time**: ``GET /metrics``
  first awaits the registered scrape hooks (each under a timeout; a failing
  hook is logged and the last values stay). ``metrics.track_outbox(pool)`` and
  ``metrics.track_broker(ping)`` in the lifespan register them. These are what
  alerts watch during a broker outage; readiness does not (see
  :mod:`kim_shared.http.health`).
- Consumer lag, consumer outcomes and dead letters are pushed by the messaging
  code: ``metrics.replace_consumer_lag(lags)`` (the partitions assigned now; a
  partition handed to another pod stops being reported here),
  ``metrics.record_outcome(group, topic, outcome)`` and
  ``metrics.record_dead_letter(topic)`` (topic = the original topic).
- Readiness: every ``GET /readyz`` answer sets ``kim_ready`` (1 ready, 0 not) and
  counts a change of answer in ``kim_readiness_changes_total``, so that a pod
  flapping between probes shows even when Prometheus scrapes less often than the
  kubelet probes (``metrics.observe_readiness(ok)``, wired by the HTTP kit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import asyncpg
from fastapi import APIRouter, Request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kim_shared.http.in_cluster import not_here, relayed
from kim_shared.http.outbox_stats import OutboxSnapshot, read_outbox_snapshot

if TYPE_CHECKING:
    from kim_shared.inbox.lag import PartitionLag

log = logging.getLogger(__name__)

ScrapeHook = Callable[[], Awaitable[None]]
UNMATCHED_ROUTE = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The metrics of one service app, in their own registry."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        process_metrics: bool = True,
        latency_buckets: Sequence[float] = LATENCY_BUCKETS,
        scrape_timeout_s: float = 2.0,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.scrape_timeout_s = scrape_timeout_s
        self._scrape_hooks: list[ScrapeHook] = []
        if process_metrics:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        labels = ("method", "route", "status")
        self.http_requests = Counter(
            "http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            buckets=latency_buckets,
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "kim_outbox_pending_events", "Outbox rows not yet published.", registry=self.registry
        )
        self.outbox_oldest_age = Gauge(
            "kim_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none).",
            registry=self.registry,
        )
        self.outbox_parked = Gauge(
            "kim_outbox_parked_events",
            "Outbox rows parked because they can never be published as they are.",
            registry=self.registry,
        )
        self.outbox_oldest_parked_age = Gauge(
            "kim_outbox_oldest_parked_age_seconds",
            "Time since the oldest still-parked outbox row was parked (0 when none).",
            registry=self.registry,
        )
        self.broker_up = Gauge(
            "kim_broker_up",
            "1 when the Kafka broker answered a metadata request at the last scrape, else 0.",
            registry=self.registry,
        )
        self.consumer_events = Counter(
            "kim_consumer_events",
            "Records handled by an inbox consumer, by outcome "
            "(processed, duplicate, skipped, dead_lettered).",
            ("group", "topic", "outcome"),
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "kim_consumer_lag_messages",
            "Messages between the committed offset and the end of the partition.",
            ("group", "topic", "partition"),
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "kim_dlq_messages",
            "Messages sent to a dead-letter topic, by original topic.",
            ("topic",),
            registry=self.registry,
        )
        self.ready = Gauge(
            "kim_ready",
            "1 when the last GET /readyz answered 200 (ready), 0 when it answered 503.",
            registry=self.registry,
        )
        self.readiness_changes = Counter(
            "kim_readiness_changes",
            "Times GET /readyz answered differently from its previous answer.",
            registry=self.registry,
        )
        self._last_ready: bool | None = None

    # --- updates ------------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in _METHODS else "OTHER", route, str(status))
        self.http_requests.labels(*labels).inc()
        self.http_duration.labels(*labels).observe(seconds)

    def set_outbox(self, snapshot: OutboxSnapshot) -> None:
        self.outbox_pending.set(snapshot.pending)
        self.outbox_oldest_age.set(snapshot.oldest_age_s)
        self.outbox_parked.set(snapshot.parked)
        self.outbox_oldest_parked_age.set(snapshot.oldest_parked_age_s)

    def record_outcome(self, group: str, topic: str, outcome: str) -> None:
        self.consumer_events.labels(group, topic, outcome).inc()

    def set_consumer_lag(self, group: str, topic: str, partition: int, lag: int) -> None:
        self.consumer_lag.labels(group, topic, str(partition)).set(lag)

    def replace_consumer_lag(self, lags: Iterable[PartitionLag]) -> None:
        """Report exactly ``lags``: series of partitions no longer assigned here go away."""
        self.consumer_lag.clear()
        for p in lags:
            self.set_consumer_lag(p.group, p.topic, p.partition, p.lag)

    def record_dead_letter(self, topic: str, count: int = 1) -> None:
        self.dead_letters.labels(topic).inc(count)

    def observe_readiness(self, ok: bool) -> None:
        """Record one readiness answer (``kim_ready``; a change counts as a flap)."""
        self.ready.set(1 if ok else 0)
        if self._last_ready is not None and self._last_ready != ok:
            self.readiness_changes.inc()
        self._last_ready = ok

    # --- scrape ------------------------------------------------------------------------

    def add_scrape_hook(self, hook: ScrapeHook) -> None:
        """Await ``hook`` before each scrape (to refresh gauges from the database)."""
        self._scrape_hooks.append(hook)

    def track_outbox(self, pool: asyncpg.Pool) -> None:
        """Refresh the outbox gauges from ``pool`` at every scrape."""

        async def refresh_outbox() -> None:
            self.set_outbox(await read_outbox_snapshot(pool))

        self.add_scrape_hook(refresh_outbox)

    def track_broker(self, ping: Callable[[], Awaitable[bool]]) -> None:
        """Refresh ``kim_broker_up`` from ``ping`` at every scrape (a failing ping is 0)."""

        async def refresh_broker() -> None:
            up = False
            try:
                up = await ping()
            finally:
                self.broker_up.set(1 if up else 0)

        self.add_scrape_hook(refresh_broker)

    async def refresh(self) -> None:
        """Run the scrape hooks concurrently; failures are logged, never raised."""

        async def run(hook: ScrapeHook) -> None:
            try:
                await asyncio.wait_for(hook(), self.scrape_timeout_s)
            except Exception:
                log.warning("metrics scrape hook %r failed", hook, exc_info=True)

        await asyncio.gather(*(run(hook) for hook in self._scrape_hooks))

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (Prometheus text or OpenMetrics, per ``Accept``) and its type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def metrics_router(metrics: ServiceMetrics, path: str = "/metrics") -> APIRouter:
    """``GET /metrics`` (hidden from the OpenAPI document; 404 through the Ingress)."""
    router = APIRouter(include_in_schema=False)

    @router.get(path)
    async def scrape(request: Request) -> Response:
        if relayed(request):
            return not_here(request)
        await metrics.refresh()
        body, content_type = metrics.render(request.headers.get("accept"))
        return Response(body, media_type=content_type)

    return router


def route_template(scope: Scope) -> str:
    """The matched route's path template, with any mount prefix; ``<unmatched>`` if none."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED_ROUTE
    if isinstance(route, Mount):
        template = template.rstrip("/") + "/{path}"
    prefix = ""
    if "app_root_path" in scope:  # inside a Mount: add the mounted prefix, not the proxy's
        root_path, app_root = str(scope.get("root_path", "")), str(scope["app_root_path"])
        if root_path.startswith(app_root):
            prefix = root_path[len(app_root) :]
    return (prefix + template) or "/"


class MetricsMiddleware:
    """Pure ASGI middleware timing each HTTP request until its response is sent."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe_request(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
