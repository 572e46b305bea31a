"""HTTP/ops kit: problem details, ETag/If-Match, idempotency keys, health, metrics, tracing.

Import from the submodules (``kim_shared.http.problems`` ...) or from here.
"""

from kim_shared.http.app import install_http_kit
from kim_shared.http.concurrency import (
    IfMatch,
    check_if_match,
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
    bad_request,
    conflict,
    install_problem_handlers,
    not_found,
    precondition_failed,
    precondition_required,
    problem_from_db_error,
    problem_from_domain_error,
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
    "IfMatch",
    "MetricsMiddleware",
    "Problem",
    "ServiceMetrics",
    "TracingMiddleware",
    "bad_request",
    "broker_check",
    "check_if_match",
    "conflict",
    "database_check",
    "etag",
    "health_router",
    "idempotency_scope",
    "idempotent",
    "install_http_kit",
    "install_problem_handlers",
    "metrics_router",
    "not_found",
    "outbox_backlog_check",
    "parse_if_match",
    "precondition_failed",
    "precondition_required",
    "problem_from_db_error",
    "problem_from_domain_error",
    "purge_idempotency_keys",
    "require_if_match",
    "unprocessable",
    "with_etag",
]
