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
from collections.abc import AsyncIterator, Mapping, Sequence  # noqa: E402
from typing import Any, Literal  # noqa: E402

from aiokafka.partitioner import DefaultPartitioner  # noqa: E402
from faststream.kafka import KafkaBroker  # noqa: E402

from kim_shared.db import Connection  # noqa: E402
from kim_shared.inbox import (  # noqa: E402
    BaseInboxConsumer,
    BatchHandler,
    BatchInboxConsumer,
    Delivered,
    EventMeta,
    Handler,
    InboxConsumer,
    PermanentError,
    subscribe,
)

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


async def record_effects(conn: Connection, delivered: Sequence[Delivered]) -> None:
    """The batch twin of :func:`record_effect`, set-based as a projection would be: one
    statement checks the things that need a permit, one inserts every row."""
    needing = sorted({d.event.thing_id for d in delivered if d.event.thing_id.startswith("needs-")})
    if needing:
        allowed = {
            r["thing_id"]
            for r in await conn.fetch(
                "SELECT thing_id FROM allowed WHERE thing_id = ANY($1::text[])", needing
            )
        }
        refused = [thing for thing in needing if thing not in allowed]
        if refused:
            raise PermanentError(f"{refused[0]} is not allowed yet")
    await conn.execute(
        "INSERT INTO effects SELECT * FROM unnest($1::uuid[], $2::text[], $3::int4[])",
        [d.meta.envelope.id for d in delivered],
        [d.event.thing_id for d in delivered],
        [d.event.seq for d in delivered],
    )


def batched(handlers: Mapping[type[Event], Handler]) -> BatchHandler:
    """A batch handler that applies each new event with its per-event handler, all in the
    batch's one transaction (so a failure of any of them fails the batch)."""
    by_type = {model.event_type: h for model, h in handlers.items()}

    async def apply(conn: Connection, delivered: Sequence[Delivered]) -> None:
        for d in delivered:
            await by_type[d.meta.envelope.type](conn, d.event, d.meta)

    return apply


Shape = Literal["per_event", "batch"]
SHAPES: tuple[Shape, ...] = ("per_event", "batch")


def inbox_consumer(
    shape: Shape,
    name: str,
    pool: Any,
    producer: Any,
    handlers: Mapping[type[Event], Handler],
    **options: Any,
) -> BaseInboxConsumer:
    """The consumer of the given shape for ``handlers``; the batch shape runs
    :func:`record_effects` for :func:`record_effect` and :func:`batched` handlers otherwise."""
    if shape == "per_event":
        return InboxConsumer(name, pool, producer, handlers, **options)
    batch: BatchHandler
    if set(handlers.values()) == {record_effect}:
        batch = record_effects
    else:
        batch = batched(handlers)
    return BatchInboxConsumer(name, pool, producer, batch, tuple(handlers), **options)


def key_on(partition: int, partitions: int, prefix: str = "k") -> str:
    """A key the producer's default partitioner puts on ``partition``."""
    for i in range(10_000):
        key = f"{prefix}{i}"
        if DefaultPartitioner()(key.encode(), list(range(partitions)), []) == partition:
            return key
    raise AssertionError(f"no key for partition {partition}")


@contextlib.asynccontextmanager
async def running(bootstrap: str, consumer: BaseInboxConsumer) -> AsyncIterator[KafkaBroker]:
    broker = KafkaBroker(bootstrap, allow_auto_create_topics=False, log_level=logging.DEBUG)
    subscribe(broker, consumer)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


# --- records, outcomes and effects as the inbox tests look at them -----------------------

from collections import Counter  # noqa: E402

from kim_shared.inbox import Outcome  # noqa: E402
from kim_shared.kafka import OutgoingRecord  # noqa: E402
from kim_shared.outbox.store import envelope  # noqa: E402


def record_of(topic: TopicSpec, value: bytes, key: str = "k") -> OutgoingRecord:
    return OutgoingRecord(topic=topic.name, key=key.encode(), value=value)


def event_bytes(model: type[ThingBase], thing_id: str, seq: int) -> bytes:
    return envelope(model(thing_id=thing_id, seq=seq), SOURCE).to_bytes()


class Outcomes:
    """An ``on_outcome`` hook that counts outcomes."""

    def __init__(self) -> None:
        self.counts: Counter[Outcome] = Counter()

    def __call__(self, topic: str, outcome: Outcome) -> None:
        self.counts[outcome] += 1

    def total(self) -> int:
        return sum(self.counts.values())


async def effects(pool: Any) -> list[tuple[str, int]]:
    rows = await pool.fetch("SELECT thing_id, seq FROM effects ORDER BY seq")
    return [(r["thing_id"], r["seq"]) for r in rows]
