"""Publishes scheduled articles when their time comes (a background loop of the service)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from kim_content.articles.handlers import publish_due
from kim_content.settings import ContentSettings
from kim_shared.service import Runtime

log = logging.getLogger(__name__)


async def publish_once(runtime: Runtime, now: datetime | None = None) -> int:
    """Publish every due article, a batch per transaction; returns how many."""
    total = 0
    while True:
        async with runtime.pool.acquire() as conn, conn.transaction():
            done = await publish_due(conn, runtime.source, now or datetime.now(UTC))
        total += done
        if done == 0:
            return total


async def run_scheduler(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = settings.scheduler_interval_s if isinstance(settings, ContentSettings) else 30.0
    while True:
        try:
            published = await publish_once(runtime)
            if published:
                log.info("published %d scheduled articles", published)
        except Exception:  # the loop outlives a failed round (database away, say)
            log.exception("scheduled publication failed; retrying")
        await asyncio.sleep(interval)
