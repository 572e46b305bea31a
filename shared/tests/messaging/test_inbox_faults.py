"""Every failure of a record ends as an effect, a retry or a dead letter — never a silent
skip — and each kind of failure is retried as often as it deserves. Real broker and database."""

from __future__ import annotations

import dataclasses

import asyncpg
import pytest

from kim_devstack.testing import eventually
from kim_shared.dlq import DeadLetter, list_dead_letters
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import InboxConsumer, Outcome
from kim_shared.inbox.deadletter import Origin
from kim_shared.kafka import OutgoingRecord, Producer

from .support import EFFECTS_DDL, SOURCE, record_effect, running, thing_model

pytestmark = pytest.mark.integration


@pytest.fixture
async def producer(kafka_bootstrap: str):
    p = Producer(kafka_bootstrap)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def effects_pool(kit_pool):
    await kit_pool.execute(EFFECTS_DDL)
    return kit_pool


def good(topic: TopicSpec, thing_id: str, seq: int) -> OutgoingRecord:
    from kim_shared.outbox.store import envelope

    value = envelope(thing_model(topic)(thing_id=thing_id, seq=seq), SOURCE).to_bytes()
    return OutgoingRecord(topic.name, thing_id.encode(), value)


async def effects(pool: asyncpg.Pool) -> list[tuple[str, int]]:
    rows = await pool.fetch("SELECT thing_id, seq FROM effects ORDER BY seq")
    return [(r["thing_id"], r["seq"]) for r in rows]


async def dead_letters(bootstrap: str, topic: TopicSpec, n: int) -> list[DeadLetter]:
    async def arrived() -> bool:
        return len(await list_dead_letters(bootstrap, topic.dlq.name)) >= n

    await eventually(arrived, within=60, what=f"{n} dead letter(s) on {topic.dlq.name}")
    return await list_dead_letters(bootstrap, topic.dlq.name)


async def committed_offset(broker, group: str) -> int | None:
    """The group's committed offset on partition 0 of its (only) topic."""
    for subscriber in broker.subscribers:
        consumer = getattr(subscriber, "consumer", None)
        if consumer is not None and getattr(subscriber, "group_id", None) == group:
            (tp,) = consumer.assignment() or (None,)
            return None if tp is None else await consumer.committed(tp)
    return None


# --- records that cannot be parsed ------------------------------------------------------


async def test_records_faststream_cannot_parse_are_dead_lettered_or_applied_never_skipped(
    effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    huge_int = b'{"id": ' + b"7" * 5000 + b"}"  # ValueError: exceeds int_max_str_digits
    deep = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # RecursionError
    latin1 = good(topic, "latin1-header", 1)
    await producer.send_all(
        [
            OutgoingRecord(topic.name, b"k", huge_int),
            OutgoingRecord(topic.name, b"k", deep),
            OutgoingRecord(topic.name, b"k", b"{not json", [("content-type", b"application/json")]),
            dataclasses.replace(latin1, headers=[("x-desa", "Tugurejo é".encode("latin-1"))]),
            good(topic, "after", 2),
        ]
    )
    consumer = InboxConsumer("test.unparseable", effects_pool, producer, {Thing: record_effect})
    async with running(kafka_bootstrap, consumer):
        letters = await dead_letters(kafka_bootstrap, topic, 3)

        async def applied() -> bool:
            return await effects(effects_pool) == [("latin1-header", 1), ("after", 2)]

        await eventually(applied, what="the valid records among the bad ones")
    assert [(d.origin_offset, d.error_type) for d in letters] == [
        (0, "invalid_envelope"),
        (1, "invalid_envelope"),
        (2, "invalid_envelope"),
    ]
    assert "digits" in letters[0].error
    assert "recursion" in letters[1].error
    assert letters[1].record.value == deep


async def test_an_exception_escaping_the_consumer_does_not_skip_the_record(
    effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)

    class BuggyOnce(InboxConsumer):
        """A bug that lets one exception out of ``process`` for the first record."""

        raised = 0

        async def process(self, origin: Origin) -> Outcome:
            if origin.offset == 0 and not self.raised:
                self.raised += 1
                raise RuntimeError("a bug outside the retry loop")
            return await super().process(origin)

    await producer.send_all([good(topic, "first", 1), good(topic, "second", 2)])
    consumer = BuggyOnce("test.escape", effects_pool, producer, {Thing: record_effect})
    async with running(kafka_bootstrap, consumer) as broker:

        async def both_applied_and_committed() -> bool:
            return (
                await effects(effects_pool) == [("first", 1), ("second", 2)]
                and await committed_offset(broker, "test.escape") == 2
            )

        await eventually(both_applied_and_committed, what="the record that escaped, then the next")
    assert consumer.raised == 1
    assert await list_dead_letters(kafka_bootstrap, topic.dlq.name) == []
