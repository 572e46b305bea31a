"""Turns off the badges of licences that expired (a background loop of the service)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kim_marketplace.sellers.handlers import expire_licences
from kim_marketplace.settings import MarketplaceSettings
from kim_shared import clock
from kim_shared.periodic import drain, every
from kim_shared.service import Runtime


async def expire_licences_once(runtime: Runtime, today: date | None = None) -> int:
    """Expire every verified licence whose expiry date lies before ``today`` (WIB, default:
    the current day), a batch per transaction; returns how many."""
    day = today or clock.today()
    return await drain(
        runtime.pool,
        lambda conn: expire_licences(conn, runtime.source, day, datetime.now(UTC)),
    )


async def run_licence_expiry(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = (
        settings.licence_check_interval_s if isinstance(settings, MarketplaceSettings) else 3600.0
    )
    await every(interval, lambda: expire_licences_once(runtime), done="expired %d licences")
