"""The process's tracer provider: nothing leaves the process unless a collector is named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kim_shared.settings import ServiceSettings
from kim_shared.tracing import configure_tracing, exporters, exporting_to, tracer


def instrumented() -> tuple[bool, bool]:
    return (
        AsyncPGInstrumentor().is_instrumented_by_opentelemetry,  # type: ignore[no-untyped-call]
        AIOKafkaInstrumentor().is_instrumented_by_opentelemetry,
    )


def test_without_a_collector_nothing_is_recorded_or_exported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("KIM_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings()
    assert settings.otel_exporter_otlp_endpoint is None
    configure_tracing("registry", settings.tracing)
    assert exporters() == ()
    span = tracer().start_span("work")
    assert not span.is_recording()  # sampled out: no processor ever sees it
    assert span.get_span_context().is_valid  # but it has ids, for logs and events
    assert instrumented() == (False, False)  # no per-query or per-record work either


def test_an_exporter_turns_recording_and_the_client_instrumentations_on_and_off() -> None:
    exporter = InMemorySpanExporter()
    with exporting_to(exporter):
        assert exporters() == (exporter,)
        assert instrumented() == (True, True)
        with tracer().start_as_current_span("work") as span:
            assert span.is_recording()
    assert [s.name for s in exporter.get_finished_spans()] == ["work"]
    assert exporters() == ()
    assert instrumented() == (False, False)
    assert not tracer().start_span("later").is_recording()


_PROBE = """
import json
from kim_shared.settings import ServiceSettings
from kim_shared.tracing import configure_tracing, exporters, tracer
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

configure_tracing("content", ServiceSettings().tracing)
sampled_parent = trace.set_span_in_context(
    NonRecordingSpan(SpanContext(1, 2, is_remote=True, trace_flags=TraceFlags(1)))
)
print(json.dumps({
    "exporters": [[type(e).__name__, e._endpoint] for e in exporters()],
    "root_recorded": tracer().start_span("root").is_recording(),  # never ended: not exported
    "child_recorded": tracer().start_span("child", context=sampled_parent).is_recording(),
}))
"""


def probe(**env: str) -> dict[str, object]:
    """Configure tracing in a fresh process (the provider is per process) with ``env``."""
    clean = {k: v for k, v in os.environ.items() if "OTEL" not in k}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_standard_otlp_variable_names_the_collector() -> None:
    assert probe(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318/") == {
        "exporters": [["OTLPSpanExporter", "http://127.0.0.1:4318/v1/traces"]],
        "root_recorded": True,
        "child_recorded": True,
    }


def test_the_sampler_ratio_drops_new_traces_but_follows_a_sampled_caller() -> None:
    assert probe(
        KIM_OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318",
        KIM_OTEL_TRACES_SAMPLER_RATIO="0",
    ) == {
        "exporters": [["OTLPSpanExporter", "http://collector:4318/v1/traces"]],
        "root_recorded": False,
        "child_recorded": True,
    }


def test_no_collector_in_a_fresh_process_exports_nothing() -> None:
    assert probe() == {"exporters": [], "root_recorded": False, "child_recorded": False}
