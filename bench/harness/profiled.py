"""A service app under pyinstrument, for profiling it under the harness's load.

    BENCH_PROFILE_APP=kim_registry.main:create_app BENCH_PROFILE_OUT=/tmp/registry \\
        uvicorn --factory bench.harness.profiled:create_app …

Samples the event loop's thread every 0.5 ms from the end of start-up to shutdown and writes
``<out>.txt`` (call tree) and ``<out>.flat.txt`` (functions by own time) when it stops.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer


def create_app() -> FastAPI:
    module, _, attr = os.environ["BENCH_PROFILE_APP"].partition(":")
    app: FastAPI = getattr(importlib.import_module(module), attr)()
    out = Path(os.environ["BENCH_PROFILE_OUT"])
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            try:
                yield state
            finally:
                profiler.stop()
                out.with_suffix(".txt").write_text(
                    profiler.output(ConsoleRenderer(unicode=False, color=False, show_all=False))
                )
                out.with_suffix(".flat.txt").write_text(
                    profiler.output(ConsoleRenderer(unicode=False, color=False, flat=True))
                )

    app.router.lifespan_context = lifespan
    return app
