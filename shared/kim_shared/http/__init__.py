"""HTTP/ops kit: problem details, idempotency keys, health, metrics, tracing.

Import from the submodules (``kim_shared.http.problems`` ...) or from here.
"""

from kim_shared.http.app import install_http_kit
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
    bad_request,
    conflict,
    install_problem_handlers,
    not_found,
    precondition_failed,
    precondition_required,
    problem_from_db_error,
    unprocessable,
)
from kim_shared.http.tracing import TracingMiddleware

__all__ = [
    "PROBLEM_JSON",
    "Check",
    "CheckResult",
    "HealthChecks",
    "IdempotencyKey",
    "IdempotencySlot",
    "MetricsMiddleware",
    "Problem",
    "ServiceMetrics",
    "TracingMiddleware",
    "bad_request",
    "broker_check",
    "conflict",
    "database_check",
    "health_router",
    "idempotency_scope",
    "idempotent",
    "install_http_kit",
    "install_problem_handlers",
    "metrics_router",
    "not_found",
    "outbox_backlog_check",
    "precondition_failed",
    "precondition_required",
    "problem_from_db_error",
    "purge_idempotency_keys",
    "unprocessable",
]
