"""Consumers of the proactive rules: KIM formed, articles rejected, KIM evaluated."""

from __future__ import annotations

from datetime import UTC, datetime

from kim_mentoring.proactive import handlers
from kim_shared.db import Connection
from kim_shared.events.types.activity import ArticleRejected
from kim_shared.events.types.registry import KimEvaluated, KimFormed, KimStateChanged
from kim_shared.inbox.consumer import EventMeta
from kim_shared.outbox import EventSource
from kim_shared.service import ConsumerSpec

SOURCE = EventSource("mentoring")


async def kim_formed(conn: Connection, event: KimFormed, meta: EventMeta) -> None:
    del meta
    await handlers.on_kim_formed(conn, SOURCE, event, datetime.now(UTC))


async def kim_state(conn: Connection, event: KimStateChanged, meta: EventMeta) -> None:
    del meta
    await handlers.on_kim_state(conn, SOURCE, event, datetime.now(UTC))


async def article_rejected(conn: Connection, event: ArticleRejected, meta: EventMeta) -> None:
    del meta
    await handlers.on_article_rejected(conn, SOURCE, event, datetime.now(UTC))


async def kim_evaluated(conn: Connection, event: KimEvaluated, meta: EventMeta) -> None:
    del meta
    await handlers.on_kim_evaluated(conn, SOURCE, event, datetime.now(UTC))


PROACTIVE = ConsumerSpec(
    name="mentoring.proactive",
    handlers={
        KimFormed: kim_formed,
        KimStateChanged: kim_state,
        ArticleRejected: article_rejected,
        KimEvaluated: kim_evaluated,
    },
    description=(
        "Proactive rules, per kabupaten settings: a KIM formed → its officers invited to the "
        "next onboarding training (or a system help request when none is scheduled), and "
        "officers who join it later too (KIM state); N "
        "rejected articles of a KIM within a window → a system help request for the skill "
        "the reasons call for; a KIM evaluated in the lowest band → a mentoring plan (help "
        "request and training suggestion). Each rule fires once per cause (unique key in "
        "proactive_firings), also when the cause arrives again under a new event id."
    ),
)

CONSUMERS: tuple[ConsumerSpec, ...] = (PROACTIVE,)
