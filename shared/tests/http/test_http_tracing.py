"""Trace context: OpenTelemetry server spans from W3C traceparent, correlation ids, JSON log
lines carrying them, consumer spans under an event's traceparent."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kim_shared.events.envelope import CloudEvent
from kim_shared.http.app import install_http_kit
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.logging import JsonFormatter, configure_logging
from kim_shared.tracing import (
    consuming,
    current_correlation_id,
    current_traceparent,
    exporting_to,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

log = logging.getLogger("kim.test.tracing")


@pytest.fixture
def kit_logging() -> Iterator[None]:
    """``configure_logging`` for one test; its root handler is removed afterwards."""
    root = logging.getLogger()
    level = root.level
    configure_logging("registry", "INFO")  # also installs the record factory stamping ids
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_kim_handler", False)]:
            root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_lines(kit_logging: None) -> Iterator[io.StringIO]:
    """JSON log lines of ``kim.test.tracing``, formatted like production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("registry"))
    log.addHandler(handler)
    try:
        yield stream
    finally:
        log.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/where")
    async def where() -> dict[str, str | None]:
        log.info("handling", extra={"kim_id": "35.02.01-0001"})
        return {"traceparent": current_traceparent(), "correlation_id": current_correlation_id()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaboom")

    install_http_kit(app, "registry", ServiceMetrics(process_metrics=False))
    return app


async def call(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path, headers=headers)


async def test_incoming_ids_are_kept_and_echoed(json_lines: io.StringIO) -> None:
    response = await call("/where", {"traceparent": PARENT, "X-Correlation-ID": "req-42"})
    assert response.headers["x-correlation-id"] == "req-42"
    echoed = response.headers["traceparent"]
    assert TRACEPARENT.match(echoed)
    _, trace_id, span_id, flags = echoed.split("-")
    assert trace_id == TRACE_ID
    assert flags == "00"  # nothing exports: the span is not recorded (sampled out)
    assert span_id != "00f067aa0ba902b7"  # this request is a new span under the caller's
    assert response.json() == {"traceparent": echoed, "correlation_id": "req-42"}

    [entry] = [e for e in lines(json_lines) if e["message"] == "handling"]
    assert entry["trace_id"] == TRACE_ID
    assert entry["span_id"] == span_id
    assert entry["correlation_id"] == "req-42"
    assert entry["service"] == "registry"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "kim.test.tracing"
    assert entry["kim_id"] == "35.02.01-0001"
    assert str(entry["time"]).endswith("+00:00")
    assert current_traceparent() is None  # unbound after the request
    assert current_correlation_id() is None


async def test_an_exporter_records_the_request_as_a_server_span(json_lines: io.StringIO) -> None:
    exporter = InMemorySpanExporter()
    with exporting_to(exporter):
        response = await call("/where", {"traceparent": PARENT})
    _, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert flags == "01"
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /where"
    assert span.kind is SpanKind.SERVER
    assert span.parent is not None
    assert span.parent.span_id == 0x00F067AA0BA902B7
    assert f"{span.context.trace_id:032x}" == trace_id == TRACE_ID
    assert f"{span.context.span_id:016x}" == span_id
    [entry] = [e for e in lines(json_lines) if e["message"] == "handling"]
    assert entry["span_id"] == span_id  # the log line names the exported span
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/where"
    response = await call("/where", {"traceparent": PARENT})
    assert response.headers["traceparent"].endswith("-00")  # exporting stopped with the block
    assert exporter.get_finished_spans() == (span,)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"traceparent": "garbage", "X-Correlation-ID": "bad id\nwith newline"},
        {"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"},
        {"traceparent": PARENT.upper()},
    ],
)
async def test_missing_or_invalid_ids_are_replaced(headers: dict[str, str]) -> None:
    response = await call("/where", headers)
    assert UUID4.match(response.headers["x-correlation-id"])
    assert TRACEPARENT.match(response.headers["traceparent"])
    assert TRACE_ID not in response.headers["traceparent"]


async def test_error_answers_carry_the_ids_and_the_log_has_the_traceback(
    json_lines: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    response = await call("/boom", {"X-Correlation-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["x-correlation-id"] == "req-500"
    assert response.json()["correlation_id"] == "req-500"
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert getattr(record, "correlation_id", None) == "req-500"
    formatted = json.loads(JsonFormatter("registry").format(record))
    assert formatted["correlation_id"] == "req-500"
    assert "RuntimeError: kaboom" in formatted["exc_info"]
    assert "Traceback" in formatted["exc_info"]


def envelope(traceparent: str | None, correlation_id: str | None = None) -> CloudEvent:
    return CloudEvent.model_validate(
        {
            "id": "5f0c1d3e-8a2b-4c6d-9e7f-0a1b2c3d4e5f",
            "source": "/kim/registry",
            "type": "kim.registry.kim.formed.v1",
            "subject": "kim-1",
            "time": "2026-12-01T00:00:00+00:00",
            "data": {},
            "traceparent": traceparent,
            "correlationid": correlation_id,
        }
    )


def consume(event: CloudEvent) -> AbstractContextManager[trace.Span]:
    return consuming(
        event, consumer="content.kim", topic="kim.registry.kim.v1", partition=2, offset=7
    )


def test_consuming_continues_the_events_trace_and_resets() -> None:
    assert current_traceparent() is None
    exporter = InMemorySpanExporter()
    with exporting_to(exporter), consume(envelope(PARENT, "evt-corr")):
        traceparent = current_traceparent()
        assert traceparent is not None
        assert traceparent.startswith(f"00-{TRACE_ID}-")
        assert current_correlation_id() == "evt-corr"
    assert current_traceparent() is None
    assert current_correlation_id() is None
    [span] = exporter.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER
    assert span.name == "process kim.registry.kim.v1"
    assert span.parent is not None
    assert span.parent.span_id == 0x00F067AA0BA902B7
    assert span.parent.is_remote
    assert span.attributes is not None
    assert span.attributes["messaging.consumer.group.name"] == "content.kim"
    assert span.attributes["cloudevents.event_type"] == "kim.registry.kim.formed.v1"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra",  # version 00 has exactly four fields
        f"ff-{TRACE_ID}-00f067aa0ba902b7-01",
        f"00-{TRACE_ID}-{'0' * 16}-01",
        f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01",
    ],
)
def test_an_event_without_a_valid_traceparent_starts_a_new_trace(value: str | None) -> None:
    with consume(envelope(value)):
        traceparent = current_traceparent()
        assert traceparent is not None
        assert TRACEPARENT.match(traceparent)
        assert TRACE_ID not in traceparent
        assert UUID4.match(current_correlation_id() or "")


def test_json_formatter_without_a_trace() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello %s", ("kim",), None)
    entry = json.loads(JsonFormatter("content").format(record))
    assert entry["message"] == "hello kim"
    assert entry["level"] == "WARNING"
    assert "trace_id" not in entry
    assert "correlation_id" not in entry


def test_configure_logging_writes_one_json_object_per_line(
    capsys: pytest.CaptureFixture[str], kit_logging: None
) -> None:
    configure_logging("mentoring", "DEBUG")  # again: replaces its handler, does not add one
    with consume(envelope(PARENT, "cfg-1")):
        log.debug("first")
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("second")
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [e["message"] for e in entries] == ["first", "second"]
    assert all(e["service"] == "mentoring" and e["trace_id"] == TRACE_ID for e in entries)
    assert all(e["correlation_id"] == "cfg-1" for e in entries)
    assert "ValueError: bad" in entries[1]["exc_info"]
