"""Trace every HTTP request with OpenTelemetry and bind a correlation id to it.

:func:`instrument` puts OpenTelemetry's FastAPI instrumentation outermost: it reads the
W3C ``traceparent`` (an absent or malformed one starts a new trace) and runs the request in
a ``SERVER`` span named after the route (``POST /kim``), a child of the caller's span.
While nothing records (no exporter, see :mod:`kim_shared.tracing`) a request skips the
instrumentation, whose attribute collection costs far more than the request's dropped
span: it runs in a bare ``SERVER`` span under the caller's context instead, so logs and
staged events still carry the trace. :class:`TracingMiddleware`, inside the span, binds
``X-Correlation-ID`` (absent or unsafe → a new uuid4) and echoes it and this request's own
``traceparent`` on the response, error answers included. Logs, problem answers and staged
events read both from the context.
"""

from __future__ import annotations

import types

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kim_shared.tracing import (
    correlated,
    current_traceparent,
    extract,
    recording,
    tracer,
    tracer_provider,
)

CORRELATION_HEADER = "X-Correlation-ID"
TRACEPARENT_HEADER = "traceparent"
UNTRACED_PATHS = "/healthz,/readyz,/metrics"
"""Probes and scrapes: no span (they would drown the traces)."""


def instrument(app: FastAPI) -> None:
    """Trace ``app``'s requests with the process's tracer provider (call before it serves)."""
    build_plain = app.build_middleware_stack
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider(),
        excluded_urls=UNTRACED_PATHS,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    build_traced = app.build_middleware_stack

    def build_middleware_stack(self: Starlette) -> ASGIApp:
        return _WhileRecording(traced=build_traced(), plain=build_plain())

    app.build_middleware_stack = types.MethodType(build_middleware_stack, app)  # type: ignore[method-assign]


class _WhileRecording:
    """The instrumented stack while spans are recorded, else the plain one in a bare span."""

    def __init__(self, *, traced: ASGIApp, plain: ASGIApp) -> None:
        self.traced = traced
        self.plain = plain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or recording():
            await self.traced(scope, receive, send)
            return
        traceparent: str | None = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                traceparent = value.decode("latin-1")
                break
        span = tracer().start_span(
            "HTTP", context=extract(traceparent) or Context(), kind=SpanKind.SERVER
        )
        with trace.use_span(span, end_on_exit=True):
            await self.plain(scope, receive, send)


class TracingMiddleware:
    """Pure ASGI middleware (so the context variable reaches the endpoint)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming: str | None = None
        for name, value in scope["headers"]:
            if name == b"x-correlation-id":
                incoming = value.decode("latin-1")
                break

        with correlated(incoming) as correlation_id:
            traceparent = current_traceparent()

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    headers[CORRELATION_HEADER] = correlation_id
                    if traceparent is not None:
                        headers[TRACEPARENT_HEADER] = traceparent
                await send(message)

            await self.app(scope, receive, send_wrapper)
