"""Publishes scheduled articles when their time comes (a background loop of the service)."""

from __future__ import annotations

from datetime import UTC, datetime

from kim_content.articles.publication import publish_due
from kim_content.settings import ContentSettings
from kim_shared.periodic import drain, every
from kim_shared.service import Runtime


async def publish_once(runtime: Runtime, now: datetime | None = None) -> int:
    """Publish every due article, a batch per transaction; returns how many."""
    moment = now or datetime.now(UTC)
    return await drain(runtime.pool, lambda conn: publish_due(conn, runtime.source, moment))


async def run_scheduler(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = settings.scheduler_interval_s if isinstance(settings, ContentSettings) else 30.0
    await every(interval, lambda: publish_once(runtime), done="published %d scheduled articles")
