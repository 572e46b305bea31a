"""Background rounds of a service (``ServiceSpec.tasks``): scheduled publication, expiry.

A round works in batches, one transaction each, until a batch finds nothing (:func:`drain`);
the loop runs a round every ``interval_s`` seconds and outlives a failed round (the
database away, say), logging it (:func:`every`)::

    async def run_expiry(runtime: Runtime) -> None:
        await every(30.0, lambda: expire_once(runtime), done="expired %d unconfirmed orders")
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from kim_shared.db import Connection

log = logging.getLogger(__name__)


async def drain(pool: asyncpg.Pool, batch: Callable[[Connection], Awaitable[int]]) -> int:
    """Run ``batch`` (returning how many rows it handled) in one transaction after another
    until it handles none; the total."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            done = await batch(conn)
        total += done
        if done == 0:
            return total


async def every(interval_s: float, round_: Callable[[], Awaitable[int]], *, done: str) -> None:
    """Run ``round_`` every ``interval_s`` seconds forever; ``done`` (with ``%d``) is logged
    when a round handled something, a failed round is logged and the next one comes."""
    while True:
        try:
            handled = await round_()
            if handled:
                log.info(done, handled)
        except Exception:  # the loop outlives a failed round
            log.exception("background round failed (%s); retrying", done)
        await asyncio.sleep(interval_s)
