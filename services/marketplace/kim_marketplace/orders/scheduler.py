"""Expires orders the seller did not confirm in time (a background loop of the service)."""

from __future__ import annotations

from datetime import UTC, datetime

from kim_marketplace.orders.handlers import expire_due
from kim_marketplace.settings import MarketplaceSettings
from kim_shared.periodic import drain, every
from kim_shared.service import Runtime


async def expire_once(runtime: Runtime, now: datetime | None = None) -> int:
    """Expire every due order, a batch per transaction; returns how many."""
    moment = now or datetime.now(UTC)
    return await drain(runtime.pool, lambda conn: expire_due(conn, runtime.source, moment))


async def run_expiry(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = (
        settings.order_expiry_interval_s if isinstance(settings, MarketplaceSettings) else 30.0
    )
    await every(interval, lambda: expire_once(runtime), done="expired %d unconfirmed orders")
