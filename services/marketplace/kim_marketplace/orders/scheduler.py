"""Expires orders the seller did not confirm in time (a background loop of the service)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from kim_marketplace.orders.handlers import expire_due
from kim_marketplace.settings import MarketplaceSettings
from kim_shared.service import Runtime

log = logging.getLogger(__name__)


async def expire_once(runtime: Runtime, now: datetime | None = None) -> int:
    """Expire every due order, a batch per transaction; returns how many."""
    total = 0
    while True:
        async with runtime.pool.acquire() as conn, conn.transaction():
            done = await expire_due(conn, runtime.source, now or datetime.now(UTC))
        total += done
        if done == 0:
            return total


async def run_expiry(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = (
        settings.order_expiry_interval_s if isinstance(settings, MarketplaceSettings) else 30.0
    )
    while True:
        try:
            expired = await expire_once(runtime)
            if expired:
                log.info("expired %d unconfirmed orders", expired)
        except Exception:  # the loop outlives a failed round (database away, say)
            log.exception("order expiry failed; retrying")
        await asyncio.sleep(interval)
