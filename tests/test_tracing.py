"""One trace from an HTTP request in the registry to a consumer in content (issue 13).

The registry and content run in-process on the real broker and fresh databases, with one
in-memory span exporter for the process. ``POST /kim`` stages the KIM's state snapshot in
the registry's outbox inside the request's span; the CloudEvents ``traceparent`` carries
that span across the relay and Kafka, and content's KIM projection applies the event in a
``CONSUMER`` span whose parent chain reaches the registry's ``POST /kim`` server span.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kim_devstack.testing import Running, eventually, running_services
from kim_devstack.tokens import bearer
from kim_registry.regions.importer import import_regions
from kim_shared.projections.kim import get_kim
from kim_shared.tracing import exporting_to

pytestmark = pytest.mark.integration

TUGUREJO = "35.02.01.2001"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
KIM_PROJECTION = "content.projection.kim"


@pytest.fixture
async def services(
    pg_server: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[dict[str, Running]]:
    async with running_services(
        pg_server, kafka_bootstrap, tmp_path / "keys", "registry", "content"
    ) as out:
        registry = out["registry"][1]
        await import_regions(registry.pool, "35.02.01", registry.source)
        yield out


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    with exporting_to(exporter):
        yield exporter


async def form_kim(
    services: dict[str, Running], headers: dict[str, str]
) -> tuple[uuid.UUID, httpx.Response]:
    """``POST /kim`` in the registry; returns once content's KIM projection has the KIM."""
    registry_http, registry = services["registry"]
    content = services["content"][1]
    op = bearer(registry.settings, "operator_kabupaten", region="35.02", sub="op-ponorogo")
    response = await registry_http.post(
        "/kim",
        json={"name": f"KIM Jejak {uuid.uuid4().hex[:6]}", "village_code": TUGUREJO},
        headers=op | headers,
    )
    assert response.status_code == 201, response.text
    kim_id = uuid.UUID(response.json()["id"])

    async def projected() -> bool:
        async with content.pool.acquire() as conn:
            return await get_kim(conn, kim_id) is not None

    await eventually(projected, what="content's KIM projection to apply the new KIM")
    return kim_id, response


def hex_ids(span: ReadableSpan) -> tuple[str, str]:
    assert span.context is not None
    return f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"


def server_span(exporter: InMemorySpanExporter, response: httpx.Response) -> ReadableSpan:
    """The registry's span of ``response``'s request (named by its echoed traceparent)."""
    _, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert int(flags, 16) & 1  # sampled: recorded
    [span] = [s for s in exporter.get_finished_spans() if hex_ids(s) == (trace_id, span_id)]
    assert span.kind is SpanKind.SERVER
    assert span.name == "POST /kim"
    return span


def consumer_span(exporter: InMemorySpanExporter, kim_id: uuid.UUID) -> ReadableSpan:
    """Content's span that applied the KIM's state snapshot."""
    found = [
        s
        for s in exporter.get_finished_spans()
        if s.kind is SpanKind.CONSUMER
        and s.attributes is not None
        and s.attributes.get("messaging.consumer.group.name") == KIM_PROJECTION
        and s.attributes.get("cloudevents.event_subject") == str(kim_id)
    ]
    assert len(found) == 1, found
    [span] = found
    assert span.name == "process kim.registry.kim_state.v1"
    assert span.attributes is not None
    assert span.attributes["cloudevents.event_type"] == "kim.registry.kim_state.changed.v1"
    return span


def ancestors(exporter: InMemorySpanExporter, span: ReadableSpan) -> list[ReadableSpan]:
    """``span``'s parent, its parent, ... as far as the exported spans go."""
    by_id = {s.context.span_id: s for s in exporter.get_finished_spans() if s.context}
    chain: list[ReadableSpan] = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        chain.append(by_id[parent.span_id])
        parent = chain[-1].parent
    return chain


async def test_a_request_and_the_consumer_in_another_service_are_one_trace(
    services: dict[str, Running], spans: InMemorySpanExporter
) -> None:
    kim_id, response = await form_kim(
        services, {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"}
    )
    request = server_span(spans, response)
    assert request.parent is not None
    assert f"{request.parent.span_id:016x}" == CALLER_SPAN  # a child of the caller's span
    assert hex_ids(request)[0] == CALLER_TRACE

    consumer = consumer_span(spans, kim_id)
    assert hex_ids(consumer)[0] == CALLER_TRACE
    assert request in ancestors(spans, consumer)
    assert consumer.parent is not None
    assert consumer.parent.is_remote  # it crossed the outbox and Kafka
    assert consumer.resource is not None

    # The registry's own database work is in the request's trace too (asyncpg spans).
    children = [s for s in spans.get_finished_spans() if request in ancestors(spans, s)]
    assert any(s.kind is SpanKind.CLIENT and s.name == "INSERT" for s in children)

    # The relay's batch span links to the request; aiokafka's send spans are its children.
    [relay] = [
        s
        for s in spans.get_finished_spans()
        if s.name == "outbox publish"
        and any(link.context.span_id == request.context.span_id for link in s.links)
    ]
    sends = [s for s in spans.get_finished_spans() if relay in ancestors(spans, s)]
    assert "kim.registry.kim_state.v1 send" in {s.name for s in sends}


async def test_a_request_without_a_traceparent_starts_the_trace_the_consumer_joins(
    services: dict[str, Running], spans: InMemorySpanExporter
) -> None:
    kim_id, response = await form_kim(services, {})
    request = server_span(spans, response)
    assert request.parent is None  # a new trace starts at the registry
    consumer = consumer_span(spans, kim_id)
    assert hex_ids(consumer)[0] == hex_ids(request)[0]
    assert ancestors(spans, consumer)[-1] == request
