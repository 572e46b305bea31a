"""Liveness, readiness and status probes.

``GET /healthz`` answers 200 ``{"status": "ok"}`` whenever the process serves.
``GET /readyz`` runs the *readiness* checks concurrently, each under a timeout,
and answers 200 when all pass, 503 otherwise, with one entry per check::

    {"status": "fail", "checks": {"database": {"ok": true, "detail": "...",
     "data": {...}, "duration_ms": 1.4}}}

Readiness means "can this pod serve requests": its database. A broker outage
or an outbox backlog is not a reason to take every pod out of service (the
outbox exists so that writes go on while Kafka is away); those checks are
*informational*: ``GET /status`` runs every check and answers with the same
shape, ``"status": "degraded"`` and still 200 when only informational checks
fail (503 only when a readiness check fails). ``/metrics`` carries the same
figures for alerting.

Checks need resources made in the lifespan (pool, broker), while routers are
made with the app, so checks live in a mutable :class:`HealthChecks`::

    checks = HealthChecks()
    app.include_router(health_router(checks))       # when building the app
    checks.add("database", database_check(pool))    # in the lifespan
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kim_shared.http.in_cluster import not_here, relayed
from kim_shared.http.outbox_stats import read_outbox_snapshot

DEFAULT_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


Check = Callable[[], Awaitable[CheckResult]]


class HealthChecks:
    """Named checks for one app, each with its own timeout; readiness or informational."""

    def __init__(self, default_timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.default_timeout_s = default_timeout_s
        self._checks: dict[str, tuple[Check, float]] = {}
        self._informational: set[str] = set()
        self._readiness_listeners: list[Callable[[bool], None]] = []

    def add(
        self,
        name: str,
        check: Check,
        *,
        timeout_s: float | None = None,
        readiness: bool = True,
    ) -> None:
        """Register (or replace) a check; ``readiness=False``: shown on /status only."""
        self._checks[name] = (check, timeout_s or self.default_timeout_s)
        if readiness:
            self._informational.discard(name)
        else:
            self._informational.add(name)

    def remove(self, name: str) -> None:
        self._checks.pop(name, None)
        self._informational.discard(name)

    def add_readiness_listener(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener(ok)`` with every ``/readyz`` answer (e.g. for metrics)."""
        self._readiness_listeners.append(listener)

    def report_readiness(self, ok: bool) -> None:
        for listener in self._readiness_listeners:
            listener(ok)

    def is_readiness(self, name: str) -> bool:
        return name in self._checks and name not in self._informational

    async def _run_one(self, check: Check, timeout_s: float) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(check(), timeout_s)
        except TimeoutError:
            result = CheckResult(False, f"timed out after {timeout_s:g}s")
        except Exception as exc:
            result = CheckResult(False, f"{type(exc).__name__}: {str(exc)[:200]}")
        return {
            "ok": result.ok,
            "detail": result.detail,
            "data": result.data,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    async def run(self, *, readiness_only: bool = True) -> tuple[bool, dict[str, dict[str, Any]]]:
        """Run the checks concurrently: (all of them ok, results by name)."""
        names = [n for n in self._checks if self.is_readiness(n) or not readiness_only]
        results = await asyncio.gather(*(self._run_one(*self._checks[n]) for n in names))
        by_name = dict(zip(names, results, strict=True))
        return all(r["ok"] for r in results), by_name


def health_router(checks: HealthChecks | Mapping[str, Check]) -> APIRouter:
    """``/healthz``, ``/readyz`` and ``/status``, hidden from the OpenAPI document."""
    if not isinstance(checks, HealthChecks):
        fixed = HealthChecks()
        for name, check in checks.items():
            fixed.add(name, check)
        checks = fixed
    registry = checks
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        ok, results = await registry.run()
        registry.report_readiness(ok)
        body: dict[str, Any] = {"status": "ok" if ok else "fail"}
        if not relayed(request):  # what failed, and where, is for the cluster only
            body["checks"] = results
        return JSONResponse(
            body,
            status_code=200 if ok else 503,
            headers={"Cache-Control": "no-store"},
        )

    @router.get("/status")
    async def status(request: Request) -> Response:
        if relayed(request):
            return not_here(request)
        all_ok, results = await registry.run(readiness_only=False)
        ready = all(r["ok"] for name, r in results.items() if registry.is_readiness(name))
        return JSONResponse(
            {"status": "ok" if all_ok else "degraded" if ready else "fail", "checks": results},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    return router


def database_check(pool: asyncpg.Pool) -> Check:
    """``SELECT 1`` through the pool (also fails when the pool is exhausted)."""

    async def check() -> CheckResult:
        await pool.fetchval("SELECT 1")
        return CheckResult(
            True, "SELECT 1 succeeded", {"pool_size": pool.get_size(), "idle": pool.get_idle_size()}
        )

    return check


def outbox_backlog_check(pool: asyncpg.Pool, max_pending: int, max_age_s: float) -> Check:
    """Fail when over ``max_pending`` rows wait, the oldest is over ``max_age_s`` old, or any
    row is parked (it needs an operator). Informational: register with ``readiness=False``."""

    async def check() -> CheckResult:
        snap = await read_outbox_snapshot(pool)
        data = {
            "pending": snap.pending,
            "oldest_age_s": round(snap.oldest_age_s, 3),
            "parked": snap.parked,
            "oldest_parked_age_s": round(snap.oldest_parked_age_s, 3),
        }
        problems = []
        if snap.parked:
            problems.append(f"{snap.parked} events parked (see `kim outbox list`)")
        if snap.pending > max_pending:
            problems.append(f"{snap.pending} events pending (max {max_pending})")
        if snap.oldest_age_s > max_age_s:
            problems.append(
                f"oldest pending event is {snap.oldest_age_s:.0f}s old (max {max_age_s:g}s)"
            )
        if problems:
            return CheckResult(False, "; ".join(problems), data)
        return CheckResult(True, f"{snap.pending} events pending", data)

    return check


def broker_check(ping: Callable[[], Awaitable[bool]]) -> Check:
    """Wrap a broker ping (e.g. a Kafka metadata request) that returns True when reachable."""

    async def check() -> CheckResult:
        if await ping():
            return CheckResult(True, "broker reachable")
        return CheckResult(False, "broker ping failed")

    return check
