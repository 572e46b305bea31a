"""Every failure of a record ends as an effect, a retry or a dead letter — never a silent
skip — and each kind of failure is retried as often as it deserves. Real broker and database."""

from __future__ import annotations

import dataclasses
from collections import Counter

import asyncpg
import pytest
from faststream.kafka import KafkaBroker

from kim_devstack.testing import eventually
from kim_shared.db import Connection
from kim_shared.dlq import DeadLetter, list_dead_letters
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import BatchInboxConsumer, EventMeta, InboxConsumer, Outcome
from kim_shared.inbox.consumer import DeadLetterError, RetryPolicy
from kim_shared.inbox.deadletter import Origin, dlq_meta
from kim_shared.kafka import OutgoingRecord

from .support import (
    SOURCE,
    ThingBase,
    inbox_consumer,
    record_effect,
    record_effects,
    running,
    thing_model,
)

pytestmark = pytest.mark.integration

FAST = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.05, max_attempts=3)


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
    shape, effects_pool, producer, new_topic, kafka_bootstrap
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
    consumer = inbox_consumer(
        shape, "test.unparseable", effects_pool, producer, {Thing: record_effect}
    )
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

    brokers: list[KafkaBroker] = []
    committed_at_refetch: list[int | None] = []

    class BuggyOnce(InboxConsumer):
        """A bug that lets one exception out of ``process`` for the first record."""

        raised = 0

        async def process(self, origin: Origin) -> Outcome:
            if origin.offset == 0:
                if not self.raised:
                    self.raised += 1
                    raise RuntimeError("a bug outside the retry loop")
                committed_at_refetch.append(await committed_offset(brokers[0], "test.escape"))
            return await super().process(origin)

    await producer.send_all([good(topic, "first", 1), good(topic, "second", 2)])
    consumer = BuggyOnce("test.escape", effects_pool, producer, {Thing: record_effect})
    async with running(kafka_bootstrap, consumer) as broker:
        brokers.append(broker)

        async def both_applied_and_committed() -> bool:
            return (
                await effects(effects_pool) == [("first", 1), ("second", 2)]
                and await committed_offset(broker, "test.escape") == 2
            )

        await eventually(both_applied_and_committed, what="the record that escaped, then the next")
    assert consumer.raised == 1
    # Nothing was committed past the record that escaped (not the consumer's position, 2).
    assert committed_at_refetch == [None]
    assert await list_dead_letters(kafka_bootstrap, topic.dlq.name) == []


async def test_an_exception_escaping_a_batch_commits_what_was_settled_and_fetches_the_rest(
    effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)

    brokers: list[KafkaBroker] = []
    committed_at_refetch: list[int | None] = []

    class DeadLetterBugOnce(BatchInboxConsumer):
        """A bug in the dead-letter path: one exception out of ``process_partition``, after
        the records before the poison were committed."""

        raised = 0

        async def _dead_letter(self, origin: Origin, dl: DeadLetterError) -> None:
            if not self.raised:
                self.raised += 1
                raise RuntimeError("a bug outside the retry loop")
            committed_at_refetch.append(await committed_offset(brokers[0], "test.escape_batch"))
            await super()._dead_letter(origin, dl)

    things = ["a", "b", "needs-permit", "c", "d"]
    await producer.send_all([good(topic, t, i) for i, t in enumerate(things)])
    seen: Counter[Outcome] = Counter()
    consumer = DeadLetterBugOnce(
        "test.escape_batch",
        effects_pool,
        producer,
        record_effects,
        (Thing,),
        on_outcome=lambda _, outcome: seen.update([outcome]),
    )
    async with running(kafka_bootstrap, consumer) as broker:
        brokers.append(broker)

        async def all_settled_and_committed() -> bool:
            return (
                await effects(effects_pool) == [("a", 0), ("b", 1), ("c", 3), ("d", 4)]
                and await committed_offset(broker, "test.escape_batch") == 5
            )

        await eventually(all_settled_and_committed, what="the records after the escape")
    assert consumer.raised == 1
    (letter,) = await list_dead_letters(kafka_bootstrap, topic.dlq.name)
    assert letter.origin_offset == 2
    # When the poison came again, "a" and "b" were committed, the poison was not (the
    # consumer's position, 5, would have been).
    assert committed_at_refetch == [2]
    # "a" and "b" were committed before the escape: fetched again from the poison on, they
    # were neither applied twice nor seen again.
    assert seen == Counter({Outcome.PROCESSED: 4, Outcome.DEAD_LETTERED: 1})


# --- how often each kind of handler failure is retried -----------------------------------


class Calls:
    def __init__(self) -> None:
        self.n = 0


async def test_a_value_the_driver_refuses_is_dead_lettered_at_once(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    calls = Calls()

    async def out_of_int4_range(conn: Connection, event: ThingBase, meta: EventMeta) -> None:
        calls.n += 1
        if event.thing_id == "big":
            await conn.execute("SELECT $1::int4", 2**40)  # asyncpg's client-side DataError
        await record_effect(conn, event, meta)

    await producer.send_all([good(topic, "big", 1), good(topic, "small", 2)])
    consumer = inbox_consumer(
        shape, "test.dataerror", effects_pool, producer, {Thing: out_of_int4_range}, retry=FAST
    )
    async with running(kafka_bootstrap, consumer):
        (letter,) = await dead_letters(kafka_bootstrap, topic, 1)

        async def moved_on() -> bool:
            return await effects(effects_pool) == [("small", 2)]

        await eventually(moved_on, what="the partition to move on")
    assert letter.error_type == "DataError"
    assert dlq_meta(letter.record.headers)["attempts"] == "1"
    # No retry of a permanent error: once for "big", once for "small". A batch first tried
    # both in one transaction (failing on "big"), then each alone.
    assert calls.n == (2 if shape == "per_event" else 3)


async def test_a_statement_timeout_is_retried_up_to_the_bound_then_dead_lettered(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    calls: Counter[str] = Counter()

    async def slow_for_one(conn: Connection, event: ThingBase, meta: EventMeta) -> None:
        calls[event.thing_id] += 1
        if event.thing_id == "slow":
            await conn.execute("SET LOCAL statement_timeout = '50ms'")
            await conn.execute("SELECT pg_sleep(2)")  # QueryCanceledError, SQLSTATE 57014
        await record_effect(conn, event, meta)

    await producer.send_all([good(topic, "slow", 1), good(topic, "quick", 2)])
    consumer = inbox_consumer(
        shape, "test.timeout", effects_pool, producer, {Thing: slow_for_one}, retry=FAST
    )
    async with running(kafka_bootstrap, consumer):
        (letter,) = await dead_letters(kafka_bootstrap, topic, 1)

        async def moved_on() -> bool:
            return await effects(effects_pool) == [("quick", 2)]

        await eventually(moved_on, what="the partition to move on")
    assert letter.error_type == "QueryCanceledError"
    assert dlq_meta(letter.record.headers)["attempts"] == str(FAST.max_attempts)
    # A batch first tried both in one transaction, which failed on "slow" before "quick" ran;
    # alone, "slow" had its bounded attempts like a per-event record.
    narrowing = 0 if shape == "per_event" else 1
    assert calls == Counter({"slow": FAST.max_attempts + narrowing, "quick": 1})


async def test_a_lost_database_connection_is_retried_past_the_bound(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    lost = 2 * FAST.max_attempts  # more outages in a row than any bounded retry allows
    calls = Calls()

    async def connection_dies(conn: Connection, event: ThingBase, meta: EventMeta) -> None:
        calls.n += 1
        if calls.n <= lost:
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        await record_effect(conn, event, meta)

    await producer.send_all([good(topic, "a", 1)])
    consumer = inbox_consumer(
        shape, "test.lost", effects_pool, producer, {Thing: connection_dies}, retry=FAST
    )
    async with running(kafka_bootstrap, consumer):

        async def applied() -> bool:
            return await effects(effects_pool) == [("a", 1)]

        await eventually(applied, within=60, what="the event after the connection came back")
    assert calls.n == lost + 1
    assert await list_dead_letters(kafka_bootstrap, topic.dlq.name) == []
