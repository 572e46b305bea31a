"""Trace context: W3C traceparent, correlation ids, JSON log lines carrying them."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from kim_shared.http.app import install_http_kit
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.logging import (
    JsonFormatter,
    configure_logging,
    current_trace,
    parse_traceparent,
    traced,
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
        trace = current_trace()
        assert trace is not None
        log.info("handling", extra={"kim_id": "35.02.01-0001"})
        return {"traceparent": trace.traceparent, "correlation_id": trace.correlation_id}

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
    assert flags == "01"
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
    assert current_trace() is None  # unbound after the request


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


def test_traced_binds_for_consumers_and_resets() -> None:
    assert current_trace() is None
    with traced(PARENT, "evt-corr") as trace:
        assert current_trace() == trace
        assert trace.trace_id == TRACE_ID
        assert trace.parent_span_id == "00f067aa0ba902b7"
        assert trace.correlation_id == "evt-corr"
        with traced(trace.traceparent, trace.correlation_id) as child:
            assert child.trace_id == TRACE_ID
            assert child.parent_span_id == trace.span_id
        assert current_trace() == trace
    assert current_trace() is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (PARENT, True),
        (f"01-{TRACE_ID}-00f067aa0ba902b7-01-future", True),  # later versions may extend
        (f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra", False),
        (f"ff-{TRACE_ID}-00f067aa0ba902b7-01", False),
        (f"00-{TRACE_ID}-{'0' * 16}-01", False),
        (f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01", False),
        ("", False),
        (None, False),
    ],
)
def test_parse_traceparent(value: str | None, valid: bool) -> None:
    assert (parse_traceparent(value) is not None) is valid


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
    with traced(PARENT, "cfg-1"):
        log.debug("first")
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("second")
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [e["message"] for e in entries] == ["first", "second"]
    assert all(e["service"] == "mentoring" and e["trace_id"] == TRACE_ID for e in entries)
    assert "ValueError: bad" in entries[1]["exc_info"]
