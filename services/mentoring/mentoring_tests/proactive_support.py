"""What the proactive-rule tests share: publishing a cause as another service would (once,
twice under the same event id, again under a new id) and waiting until the proactive
consumer has worked through everything on its topics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaProducer

from kim_devstack.testing import eventually, publish_events
from kim_shared.events.base import Event
from kim_shared.events.envelope import CONTENT_TYPE
from kim_shared.events.topics import TopicSpec
from kim_shared.events.types.activity import ArticleRejected
from kim_shared.events.types.registry import KimEvaluated, KimFormed
from kim_shared.inbox.lag import consumer_lag
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope
from kim_shared.service import Runtime

from .support import PONOROGO, TUGUREJO, KimOnTopic

GROUP = "mentoring.proactive"
BANDS = ["sangat_baik", "baik", "cukup", "kurang"]

Auth = Callable[..., dict[str, str]]


async def publish_same_id_twice(bootstrap: str, source: str, event: Event) -> None:
    """One envelope (one event id) sent twice: a duplicate delivery."""
    ce = envelope(event, EventSource(source))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for _ in range(2):
            await producer.send_and_wait(
                event.topic.name,
                ce.to_bytes(),
                key=(ce.subject or "").encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
    finally:
        await producer.stop()


async def publish(bootstrap: str, source: str, *events: Event) -> None:
    """Each event under a new event id (a replay of the same cause gets a new id too)."""
    await publish_events(bootstrap, source, events)


async def settled(runtime: Runtime, *topics: TopicSpec) -> None:
    """Wait until the proactive consumer has committed everything on ``topics``."""

    async def done() -> bool:
        lag = [p for p in await consumer_lag(runtime.broker) if p.group == GROUP]
        for topic in topics:
            seen = [p for p in lag if p.topic == topic.name]
            if len(seen) < topic.partitions or any(p.lag for p in seen):
                return False
        return True

    await eventually(done, what=f"{GROUP} settled on {[t.name for t in topics]}")


async def rows(runtime: Runtime, sql: str, *args: Any) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch(sql, *args)]


async def firings(runtime: Runtime, rule: str) -> list[dict[str, Any]]:
    return await rows(
        runtime, "SELECT * FROM proactive_firings WHERE rule = $1 ORDER BY fired_at", rule
    )


def formed(kim: KimOnTopic) -> KimFormed:
    return KimFormed(
        kim_id=kim.kim_id,
        name=kim.name,
        village_code=kim.village_code,
        kabupaten_code=PONOROGO if kim.village_code.startswith(PONOROGO) else "35.19",
        formed_by="op-35.02",
    )


def rejected(
    kim_id: UUID, reason: str, *, days_ago: float = 1, article_id: UUID | None = None
) -> ArticleRejected:
    return ArticleRejected(
        article_id=article_id or uuid4(),
        kim_id=kim_id,
        reason_code=reason,
        rejected_at=datetime.now(UTC) - timedelta(days=days_ago),
        revision=1,
    )


def evaluated(
    kim_id: UUID, band: str, *, period_id: UUID | None = None, score: float = 31.5
) -> KimEvaluated:
    return KimEvaluated(
        kim_id=kim_id,
        period_id=period_id or uuid4(),
        kabupaten_code=PONOROGO,
        score=score,
        band=band,
        criteria={"keaktifan": score},
        bands=BANDS,
    )


def settings_body(**changes: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "onboarding": {"enabled": True, "skill": "jurnalistik"},
        "rejected_articles": {"enabled": True, "threshold": 3, "window_days": 30},
        "lowest_band": {"enabled": True, "skill": "jurnalistik"},
    }
    for rule, values in changes.items():
        body[rule] = {**body[rule], **values}
    return body


__all__ = ["PONOROGO", "TUGUREJO"]
