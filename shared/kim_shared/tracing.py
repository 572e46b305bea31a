"""Tracing with OpenTelemetry: one tracer provider per process, spans that cross the outbox.

* **One provider per process** (a process runs one service), made on first use by
  :func:`configure_tracing` (the service builder calls it) or :func:`tracer_provider`,
  never at import time. Its resource names the service (``service.name``).
* **Nothing leaves the process by default.** Without an exporter the sampler drops every
  span: spans still get W3C ids, so logs carry ``trace_id``/``span_id`` and the context
  still travels in events, but nothing is recorded and the asyncpg and aiokafka
  instrumentations are not installed. An OTLP endpoint in the settings
  (``KIM_OTEL_EXPORTER_OTLP_ENDPOINT`` or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``), or
  an exporter a test adds with :func:`exporting_to`, turns recording on: parent-based
  sampling at ``KIM_OTEL_TRACES_SAMPLER_RATIO`` for new traces, the exporter behind a span
  processor, and the asyncpg and aiokafka instrumentations installed.
* **Across the outbox**: :func:`current_traceparent` is the W3C ``traceparent`` of the span
  that is current when a command stages an event (the CloudEvents ``traceparent``
  extension); a consumer runs each event inside :func:`consuming`, a ``CONSUMER`` span whose
  parent is that context, so the consumer in another service is part of the trace of the
  HTTP request that caused it. A batch applied in one transaction runs inside
  :func:`consuming_batch`, linked to each event's context. The relay publishes the
  envelopes unchanged; while recording, it sends each batch inside :func:`publishing`, a
  span linked to the context of every event in it (aiokafka's send spans are its children).
* **Correlation ids** (our own, not W3C) live in a context variable beside the span:
  :func:`correlated` binds one, :func:`current_correlation_id` reads it.

The W3C format is parsed and written by OpenTelemetry's
:class:`~opentelemetry.trace.propagation.tracecontext.TraceContextTextMapPropagator`.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer
    from opentelemetry.trace.span import TraceState

    from kim_shared.events.envelope import CloudEvent

__all__ = [
    "TracingConfig",
    "configure_tracing",
    "consuming",
    "consuming_batch",
    "correlated",
    "current_correlation_id",
    "current_traceparent",
    "exporters",
    "exporting_to",
    "publishing",
    "recording",
    "span_ids",
    "tracer",
    "tracer_provider",
    "valid_correlation_id",
]

_PROPAGATOR = TraceContextTextMapPropagator()
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_correlation: ContextVar[str | None] = ContextVar("kim_correlation_id", default=None)


@dataclass(frozen=True)
class TracingConfig:
    """What a service's settings say about tracing."""

    otlp_endpoint: str | None = None
    """Base URL of an OTLP/HTTP collector (``http://collector:4318``); None exports nothing."""
    sampler_ratio: float = 1.0
    """Share of new traces recorded while exporting (a sampled parent is always followed)."""


# --- the process's provider -----------------------------------------------------------


class _Switch(Sampler):
    """The provider's sampler: drop everything until something exports."""

    def __init__(self) -> None:
        self.delegate: Sampler = ALWAYS_OFF

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        return self.delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"KimSwitch{{{self.delegate.get_description()}}}"


class _Exporting(SpanProcessor):
    """The provider's one span processor: hands spans to the exporters' processors."""

    def __init__(self) -> None:
        self.processors: tuple[SpanProcessor, ...] = ()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for p in self.processors:
            p.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for p in self.processors:
            p.on_end(span)

    def shutdown(self) -> None:
        for p in self.processors:
            p.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in self.processors)


@dataclass
class _Process:
    provider: TracerProvider
    sampler: _Switch
    exporting: _Exporting
    tracer: Tracer
    ratio: float = 1.0
    exporters: dict[SpanExporter, SpanProcessor] = field(default_factory=dict)
    otlp_endpoints: set[str] = field(default_factory=set)


_process: _Process | None = None
_lock = threading.Lock()


def _get(service: str = "kim") -> _Process:
    global _process
    if _process is not None:  # once made, read without the lock (every span asks)
        return _process
    with _lock:
        if _process is None:
            sampler = _Switch()
            exporting = _Exporting()
            provider = TracerProvider(
                sampler=sampler, resource=Resource.create({SERVICE_NAME: f"kim-{service}"})
            )
            provider.add_span_processor(exporting)
            _process = _Process(
                provider, sampler, exporting, provider.get_tracer("kim_shared", schema_url=None)
            )
        return _process


def tracer_provider() -> TracerProvider:
    """The process's tracer provider (made on first use)."""
    return _get().provider


def tracer() -> Tracer:
    """The kit's tracer (consumer and relay spans)."""
    return _get().tracer


def configure_tracing(service: str, config: TracingConfig) -> TracerProvider:
    """The provider of this process, named after ``service`` when this call makes it, and
    exporting to ``config.otlp_endpoint`` when one is set (once per endpoint)."""
    process = _get(service)
    process.ratio = config.sampler_ratio
    endpoint = config.otlp_endpoint
    if endpoint and endpoint not in process.otlp_endpoints:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        process.otlp_endpoints.add(endpoint)
        url = endpoint.rstrip("/")
        if not url.endswith("/v1/traces"):
            url += "/v1/traces"
        _add(process, OTLPSpanExporter(endpoint=url), BatchSpanProcessor)
    _set_sampler(process)  # the ratio, also when the exporter was there already
    return process.provider


def recording() -> bool:
    """True while some exporter takes spans (else every span is sampled out)."""
    return bool(_get().exporters)


def exporters() -> tuple[SpanExporter, ...]:
    """The exporters spans go to now (none unless something was configured)."""
    return tuple(_get().exporters)


@contextmanager
def exporting_to(exporter: SpanExporter, *, ratio: float = 1.0) -> Iterator[TracerProvider]:
    """Record and export every span to ``exporter`` for the block (tests: an
    ``InMemorySpanExporter``); spans are handed over as they end."""
    process = _get()
    previous = process.ratio
    process.ratio = ratio
    _add(process, exporter, SimpleSpanProcessor)
    try:
        yield process.provider
    finally:
        _remove(process, exporter)
        process.ratio = previous
        _set_sampler(process)


def _add(
    process: _Process,
    exporter: SpanExporter,
    kind: type[BatchSpanProcessor] | type[SimpleSpanProcessor],
) -> None:
    with _lock:
        process.exporters[exporter] = kind(exporter)
        process.exporting.processors = tuple(process.exporters.values())
    _set_sampler(process)


def _remove(process: _Process, exporter: SpanExporter) -> None:
    with _lock:
        processor = process.exporters.pop(exporter)
        process.exporting.processors = tuple(process.exporters.values())
    processor.force_flush()


def _set_sampler(process: _Process) -> None:
    recording = bool(process.exporters)
    process.sampler.delegate = (
        ParentBased(TraceIdRatioBased(process.ratio)) if recording else ALWAYS_OFF
    )
    _instrument_clients(process.provider, on=recording)


def _instrument_clients(provider: TracerProvider, *, on: bool) -> None:
    """asyncpg and aiokafka spans, only while something records them (they patch the client
    classes process-wide, and cost time per query and per record even when dropped)."""
    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    asyncpg_instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    for instrumentor in (asyncpg_instrumentor, AIOKafkaInstrumentor()):
        if on and not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)
        elif not on and instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


# --- reading and carrying the context --------------------------------------------------


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span (None outside any span)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def span_ids() -> tuple[str, str] | None:
    """``(trace_id, span_id)`` of the current span in lowercase hex, None outside any."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def extract(traceparent: str | None) -> Context | None:
    """The remote context named by ``traceparent``; None when absent or not valid W3C."""
    if not traceparent:
        return None
    context = _PROPAGATOR.extract({"traceparent": traceparent})
    if not trace.get_current_span(context).get_span_context().is_valid:
        return None
    return context


# --- correlation ids -------------------------------------------------------------------


def valid_correlation_id(value: str | None) -> str | None:
    """``value`` if it is a safe correlation id (1-128 of ``A-Za-z0-9._:-``), else None."""
    if value is not None and _CORRELATION_ID.match(value):
        return value
    return None


def current_correlation_id() -> str | None:
    """The correlation id bound now, or None."""
    return _correlation.get()


@contextmanager
def correlated(correlation_id: str | None) -> Iterator[str]:
    """Bind ``correlation_id`` (an absent or unsafe one: a new uuid4) for the block."""
    value = valid_correlation_id(correlation_id) or str(uuid.uuid4())
    token = _correlation.set(value)
    try:
        yield value
    finally:
        _correlation.reset(token)


# --- consumer spans --------------------------------------------------------------------


def _messaging(consumer: str, topic: str, partition: int) -> dict[str, str | int]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(partition),
        "messaging.consumer.group.name": consumer,
    }


@contextmanager
def consuming(
    envelope: CloudEvent, *, consumer: str, topic: str, partition: int, offset: int
) -> Iterator[trace.Span]:
    """Process one event inside a ``CONSUMER`` span whose parent is the event's
    ``traceparent`` (a new trace when it has none), with its correlation id bound."""
    attributes: dict[str, str | int] | None = None
    if recording():  # a dropped span keeps no attributes: do not build them
        attributes = _messaging(consumer, topic, partition)
        attributes |= {
            "messaging.message.id": str(envelope.id),
            "messaging.kafka.offset": offset,
            "cloudevents.event_id": str(envelope.id),
            "cloudevents.event_type": envelope.type,
            "cloudevents.event_subject": envelope.subject,
        }
    span = tracer().start_span(
        f"process {topic}",
        context=extract(envelope.traceparent) or Context(),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
    )
    with trace.use_span(span, end_on_exit=True), correlated(envelope.correlationid):
        yield span


@contextmanager
def consuming_batch(
    envelopes: Sequence[CloudEvent], *, consumer: str, topic: str, partition: int
) -> Iterator[trace.Span]:
    """Process several events in one transaction inside one ``CONSUMER`` span, a new trace
    linked to each event's context (OpenTelemetry's messaging conventions for batches)."""
    links: list[Link] = []
    for envelope in envelopes if recording() else ():  # links only matter when recorded
        remote = extract(envelope.traceparent)
        if remote is not None:
            links.append(Link(trace.get_current_span(remote).get_span_context()))
    attributes = _messaging(consumer, topic, partition)
    attributes["messaging.batch.message_count"] = len(envelopes)
    span = tracer().start_span(
        f"process {topic}",
        context=Context(),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        links=links,
    )
    with trace.use_span(span, end_on_exit=True), correlated(None):
        yield span


@contextmanager
def publishing(envelopes: Sequence[bytes]) -> Iterator[None]:
    """The outbox relay sends a batch of staged ``envelopes`` (CloudEvents JSON): while
    recording, inside a span linked to each event's ``traceparent``; otherwise as it is
    (no envelope is parsed)."""
    if not recording():
        yield
        return
    links: list[Link] = []
    for raw in envelopes:
        try:
            traceparent = json.loads(raw).get("traceparent")
        except (ValueError, AttributeError):
            continue
        remote = extract(traceparent if isinstance(traceparent, str) else None)
        if remote is not None:
            links.append(Link(trace.get_current_span(remote).get_span_context()))
    with tracer().start_as_current_span(
        "outbox publish",
        context=Context(),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.batch.message_count": len(envelopes),
        },
        links=links,
    ):
        yield
