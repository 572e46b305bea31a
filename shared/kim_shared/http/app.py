"""Wire the HTTP kit into a FastAPI app in the right order.

Middleware, outermost first: OpenTelemetry's server span (FastAPI instrumentation) →
correlation id (binds it, echoes it and the ``traceparent``) → metrics (counts every
answer, 500s included) → request guard (413, 401 before the body is read) → unhandled-
error → Starlette's exception handlers → routes. Nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from kim_shared.http.guard import DEFAULT_MAX_BODY_BYTES, RequestGuard
from kim_shared.http.health import HealthChecks, health_router
from kim_shared.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_router
from kim_shared.http.problems import install_problem_handlers
from kim_shared.http.tracing import TracingMiddleware, instrument


def install_http_kit(
    app: FastAPI,
    service_name: str,
    metrics: ServiceMetrics,
    health: HealthChecks | None = None,
    *,
    constraint_messages: Mapping[str, str] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> HealthChecks:
    """Add problem handlers, tracing and metrics middleware, /healthz, /readyz, /metrics
    (every /readyz answer is also recorded in ``metrics``: ``kim_ready``).

    Returns the app's :class:`HealthChecks` (``health`` or a new one) for the
    lifespan to ``add`` checks to; it is also kept as ``app.state.health``, and
    ``metrics`` as ``app.state.metrics``.
    """
    checks = health if health is not None else HealthChecks()
    checks.add_readiness_listener(metrics.observe_readiness)
    app.state.service_name = service_name
    app.state.metrics = metrics
    app.state.health = checks
    install_problem_handlers(app, constraint_messages=constraint_messages)  # innermost
    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(TracingMiddleware)  # outermost of ours: added last
    instrument(app)  # the server span wraps the whole stack
    app.include_router(health_router(checks))
    app.include_router(metrics_router(metrics))
    return checks
