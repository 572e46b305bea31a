"""The baseline for hot reads: a bare FastAPI + asyncpg app running the same SQL.

    uvicorn --factory bench.harness.bare_app:create_app   (BENCH_BARE_DSN, BENCH_BARE_SQL)

``BENCH_BARE_SQL`` is a JSON file ``{route: [[sql, [args…]], …]}`` recorded by the harness
with asyncpg's query logger while the registry's own read functions answered the same
request (:func:`bench.harness.reads.record`), so that the statements, their arguments and
their order (``BEGIN … READ ONLY`` included) are the registry's. The app answers each
route by running them on a pooled connection (a plain ``asyncpg.create_pool`` of the same
size as the services') and returning the rows as JSON: no authentication, middleware,
validation or response model.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import FastAPI, Request, Response

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START")


def _arg(value: Any) -> Any:
    """JSON-carried arguments back to what asyncpg encodes: ``{"uuid": …}``, ``{"date": …}``."""
    if isinstance(value, dict):
        if "uuid" in value:
            return UUID(value["uuid"])
        if "date" in value:
            return date.fromisoformat(value["date"])
    if isinstance(value, list):
        return [_arg(v) for v in value]
    return value


def _load(path: str) -> dict[str, list[tuple[str, list[Any]]]]:
    raw: dict[str, list[list[Any]]] = json.loads(open(path).read())
    return {route: [(sql, [_arg(a) for a in args]) for sql, args in s] for route, s in raw.items()}


def create_app() -> FastAPI:
    statements = _load(os.environ["BENCH_BARE_SQL"])
    dsn = os.environ["BENCH_BARE_DSN"]
    state: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    async def run(route: str) -> Response:
        out: list[list[dict[str, Any]]] = []
        async with state["pool"].acquire() as conn:
            for sql, args in statements[route]:
                if args or not sql.lstrip().upper().startswith(_CONTROL):
                    out.append([dict(r) for r in await conn.fetch(sql, *args)])
                else:  # BEGIN … / COMMIT: as asyncpg's transaction() sends them
                    await conn.execute(sql)
        return Response(json.dumps(out, default=str), media_type="application/json")

    @app.get("/regions/{code}")
    async def region(code: str) -> Response:
        return await run("region")

    @app.get("/kim/{kim_id}")
    async def kim(kim_id: str) -> Response:
        return await run("kim")

    @app.get("/coverage/{code}")
    async def coverage(code: str) -> Response:
        return await run("coverage")

    @app.get("/ready")
    async def ready(request: Request) -> Response:
        return Response("{}", media_type="application/json")

    return app
