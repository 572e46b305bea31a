"""Bind W3C trace context and a correlation id to each HTTP request.

Reads ``traceparent`` (a malformed or absent one starts a new trace) and
``X-Correlation-ID`` (absent or unsafe → a new uuid4), binds a new span for
the request (see :mod:`kim_shared.logging`), and echoes ``X-Correlation-ID``
and this request's own ``traceparent`` on the response, error answers included.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kim_shared.logging import traced

CORRELATION_HEADER = "X-Correlation-ID"
TRACEPARENT_HEADER = "traceparent"


class TracingMiddleware:
    """Pure ASGI middleware (so the context variables reach the endpoint)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        traceparent: str | None = None
        correlation_id: str | None = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                traceparent = value.decode("latin-1")
            elif name == b"x-correlation-id":
                correlation_id = value.decode("latin-1")

        with traced(traceparent, correlation_id) as trace:

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    headers[CORRELATION_HEADER] = trace.correlation_id
                    headers[TRACEPARENT_HEADER] = trace.traceparent
                await send(message)

            await self.app(scope, receive, send_wrapper)
