"""HTTP/ops kit: problem details, ETag/If-Match, idempotency keys, health, metrics, tracing.

Import from the submodules (``kim_shared.http.problems`` ...) or from here.
"""

from kim_shared.http.app import install_http_kit
from kim_shared.http.concurrency import (
    IfMatchOptional,
    IfMatchRequired,
    etag,
    parse_if_match,
    require_if_match,
    with_etag,
)
from kim_shared.http.health import (
    Check,
    CheckResult,
    HealthChecks,
    broker_check,
    database_check,
    health_router,
    outbox_backlog_check,
)
from kim_shared.http.idempotency import (
    IdempotencyKey,
    IdempotencySlot,
    idempotency_scope,
    idempotent,
    purge_idempotency_keys,
)
from kim_shared.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_router
from kim_shared.http.problems import (
    PROBLEM_JSON,
    Problem,
    error_from_db,
    install_problem_handlers,
    problem_from_domain_error,
)
from kim_shared.http.tracing import TracingMiddleware

__all__ = [
    "PROBLEM_JSON",
    "Check",
    "CheckResult",
    "HealthChecks",
    "IdempotencyKey",
    "IdempotencySlot",
    "IfMatchOptional",
    "IfMatchRequired",
    "MetricsMiddleware",
    "Problem",
    "ServiceMetrics",
    "TracingMiddleware",
    "broker_check",
    "database_check",
    "error_from_db",
    "etag",
    "health_router",
    "idempotency_scope",
    "idempotent",
    "install_http_kit",
    "install_problem_handlers",
    "metrics_router",
    "outbox_backlog_check",
    "parse_if_match",
    "problem_from_domain_error",
    "purge_idempotency_keys",
    "require_if_match",
    "with_etag",
]
