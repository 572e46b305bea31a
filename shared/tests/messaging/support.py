"""Helpers for the messaging kit's integration tests."""

from __future__ import annotations

from typing import ClassVar

from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.outbox import EventSource

SOURCE = EventSource("registry", kabupaten="35.02")


class ThingBase(Event):
    subject_field: ClassVar[str] = "thing_id"

    thing_id: str
    seq: int


def thing_model(topic: TopicSpec) -> type[ThingBase]:
    """An event model bound to a per-test topic."""

    class ThingHappened(ThingBase):
        event_type: ClassVar[str] = "kim.test.thing.happened.v1"

    ThingHappened.topic = topic
    return ThingHappened


# --- a consumer used by the inbox tests (and the crash subprocess) ------------

import contextlib  # noqa: E402
import logging  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402

from faststream.kafka import KafkaBroker  # noqa: E402

from kim_shared.db import Connection  # noqa: E402
from kim_shared.inbox import EventMeta, InboxConsumer, PermanentError, subscribe  # noqa: E402

EFFECTS_DDL = """
CREATE TABLE IF NOT EXISTS effects (event_id uuid, thing_id text, seq int);
CREATE TABLE IF NOT EXISTS allowed (thing_id text PRIMARY KEY);
"""


async def record_effect(conn: Connection, event: ThingBase, meta: EventMeta) -> None:
    """The handler under test: one row per applied event; refuses things not allowed."""
    if event.thing_id.startswith("needs-") and not await conn.fetchval(
        "SELECT true FROM allowed WHERE thing_id = $1", event.thing_id
    ):
        raise PermanentError(f"{event.thing_id} is not allowed yet")
    await conn.execute(
        "INSERT INTO effects VALUES ($1, $2, $3)", meta.envelope.id, event.thing_id, event.seq
    )


@contextlib.asynccontextmanager
async def running(bootstrap: str, consumer: InboxConsumer) -> AsyncIterator[KafkaBroker]:
    broker = KafkaBroker(bootstrap, allow_auto_create_topics=False, log_level=logging.DEBUG)
    subscribe(broker, consumer)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
