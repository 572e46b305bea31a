"""Turns off the badges of licences that expired (a background loop of the service)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from kim_marketplace.sellers.handlers import expire_licences
from kim_marketplace.settings import MarketplaceSettings
from kim_shared import clock
from kim_shared.service import Runtime

log = logging.getLogger(__name__)


async def expire_licences_once(runtime: Runtime, today: date | None = None) -> int:
    """Expire every verified licence whose expiry date lies before ``today`` (WIB, default:
    the current day), a batch per transaction; returns how many."""
    day = today or clock.today()
    total = 0
    while True:
        now = datetime.now(UTC)
        async with runtime.pool.acquire() as conn, conn.transaction():
            done = await expire_licences(conn, runtime.source, day, now)
        total += done
        if done == 0:
            return total


async def run_licence_expiry(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = (
        settings.licence_check_interval_s if isinstance(settings, MarketplaceSettings) else 3600.0
    )
    while True:
        try:
            expired = await expire_licences_once(runtime)
            if expired:
                log.info("expired %d licences", expired)
        except Exception:  # the loop outlives a failed round (database away, say)
            log.exception("licence expiry failed; retrying")
        await asyncio.sleep(interval)
