"""Idempotent consumer, retries and dead letters against the real broker and database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kim_devstack.testing import eventually
from kim_shared.dlq import list_dead_letters, replay_dead_letters
from kim_shared.inbox import InboxConsumer, Outcome
from kim_shared.inbox.consumer import RetryPolicy
from kim_shared.inbox.lag import consumer_lag
from kim_shared.outbox.store import envelope

from .crash_consumer import CRASH_CODE
from .support import (
    SOURCE,
    Outcomes,
    ThingBase,
    effects,
    event_bytes,
    inbox_consumer,
    record_effect,
    record_of,
    running,
    thing_model,
)

pytestmark = pytest.mark.integration
TESTS_DIR = Path(__file__).resolve().parent.parent


async def test_same_event_delivered_many_times_has_one_effect(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic()
    Thing = thing_model(topic)
    value = event_bytes(Thing, "a", 1)
    await producer.send_all([record_of(topic, value)] * 5)
    seen = Outcomes()
    consumer = inbox_consumer(
        shape, "test.dedupe", effects_pool, producer, {Thing: record_effect}, on_outcome=seen
    )
    async with running(kafka_bootstrap, consumer):

        async def all_seen() -> bool:
            return seen.total() == 5

        await eventually(all_seen, what="5 deliveries")
    assert seen.counts == Counter({Outcome.PROCESSED: 1, Outcome.DUPLICATE: 4})
    assert await effects(effects_pool) == [("a", 1)]


async def test_consumer_killed_after_db_commit_redelivers_without_second_effect(
    effects_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic()
    Thing = thing_model(topic)
    await producer.send_all([record_of(topic, event_bytes(Thing, "a", 1))])
    group = "test.crash"
    proc = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "messaging.crash_consumer",
            kafka_bootstrap,
            fresh_db,
            topic.name,
            group,
        ],
        cwd=TESTS_DIR,
        env={**os.environ, "PYTHONPATH": str(TESTS_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == CRASH_CODE, proc.stderr[-3000:]
    assert await effects(effects_pool) == [("a", 1)]  # committed before the crash

    seen = Outcomes()
    consumer = InboxConsumer(group, effects_pool, producer, {Thing: record_effect}, on_outcome=seen)
    async with running(kafka_bootstrap, consumer):

        async def redelivered() -> bool:
            return seen.total() >= 1

        await eventually(redelivered, what="redelivery after the crash")
    assert seen.counts == Counter({Outcome.DUPLICATE: 1})
    assert await effects(effects_pool) == [("a", 1)]


async def test_bad_events_are_dead_lettered_and_the_partition_moves_on(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    other_type = envelope(Thing(thing_id="x", seq=9), SOURCE).model_copy(
        update={"type": "kim.test.thing.exploded.v1"}
    )
    bad_data = envelope(Thing(thing_id="y", seq=8), SOURCE).model_copy(
        update={"data": {"thing_id": "y", "seq": "not-a-number"}}
    )
    await producer.send_all(
        [
            record_of(topic, event_bytes(Thing, "a", 1)),
            record_of(topic, b"{this is not json"),
            record_of(topic, other_type.to_bytes()),
            record_of(topic, bad_data.to_bytes()),
            record_of(topic, event_bytes(Thing, "needs-permit", 5)),
            record_of(topic, event_bytes(Thing, "b", 2)),
        ]
    )
    seen = Outcomes()
    group = "test.dlq"
    consumer = inbox_consumer(
        shape, group, effects_pool, producer, {Thing: record_effect}, on_outcome=seen
    )
    async with running(kafka_bootstrap, consumer):

        async def all_seen() -> bool:
            return seen.total() == 6

        await eventually(all_seen, what="all six records")
        assert await effects(effects_pool) == [("a", 1), ("b", 2)]
        assert seen.counts[Outcome.DEAD_LETTERED] == 4

        letters = await list_dead_letters(kafka_bootstrap, topic.dlq.name)
        assert [d.error_type for d in letters] == [
            "invalid_envelope",
            "unknown_event_type",
            "invalid_data",
            "permanent_error",
        ]
        assert [d.origin_offset for d in letters] == [1, 2, 3, 4]
        for d in letters:
            assert d.origin_topic == topic.name
            assert d.origin_partition == 0
            assert d.consumer == group
            assert not d.replayed
        assert letters[1].event_type == "kim.test.thing.exploded.v1"
        assert "not allowed" in letters[3].error
        assert letters[0].record.value == b"{this is not json"

        # The operator fixes the cause, then replays the pending dead letters.
        await effects_pool.execute("INSERT INTO allowed VALUES ('needs-permit')")
        replayed = await replay_dead_letters(
            kafka_bootstrap, topic.dlq.name, offsets={letters[3].offset}
        )
        assert [d.offset for d in replayed] == [letters[3].offset]

        async def applied() -> bool:
            return ("needs-permit", 5) in await effects(effects_pool)

        await eventually(applied, what="the replayed event to be applied")

    after = await list_dead_letters(kafka_bootstrap, topic.dlq.name)
    assert [d.replayed for d in after] == [False, False, False, True]  # only the one replayed
    pending = await replay_dead_letters(kafka_bootstrap, topic.dlq.name, dry_run=True)
    assert [d.offset for d in pending] == [d.offset for d in letters[:3]]
    assert await effects(effects_pool) == [("a", 1), ("b", 2), ("needs-permit", 5)]


async def test_unhandled_known_type_is_skipped_not_dead_lettered(
    shape, effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    other = Thing  # a second model on the same topic that this consumer ignores

    class Other(ThingBase):
        event_type = "kim.test.thing.ignored.v1"

    Other.topic = topic
    del other
    await producer.send_all(
        [
            record_of(topic, event_bytes(Other, "o", 1)),
            record_of(topic, event_bytes(Thing, "a", 2)),
        ]
    )
    seen = Outcomes()
    consumer = inbox_consumer(
        shape,
        "test.skip",
        effects_pool,
        producer,
        {Thing: record_effect},
        catalogue={Other.event_type: Other},
        on_outcome=seen,
    )
    async with running(kafka_bootstrap, consumer):

        async def both() -> bool:
            return seen.total() == 2

        await eventually(both, what="two records")
    assert seen.counts == Counter({Outcome.SKIPPED: 1, Outcome.PROCESSED: 1})
    assert await list_dead_letters(kafka_bootstrap, topic.dlq.name) == []


async def test_database_outage_loses_nothing_and_dead_letters_nothing(
    shape, stack, effects_pool, producer, new_topic, kafka_bootstrap
):
    if stack.postgres is None:
        pytest.fail("this test stops and restarts PostgreSQL: run it on the local stack")
    topic = await new_topic(partitions=2)
    Thing = thing_model(topic)
    n = 60
    seen = Outcomes()
    consumer = inbox_consumer(
        shape,
        "test.outage",
        effects_pool,
        producer,
        {Thing: record_effect},
        on_outcome=seen,
        retry=RetryPolicy(initial_backoff_s=0.1, max_backoff_s=1.0),
    )
    async with running(kafka_bootstrap, consumer):
        await producer.send_all(
            record_of(topic, event_bytes(Thing, f"t{i % 7}", i), key=f"t{i % 7}")
            for i in range(n // 2)
        )

        async def some() -> bool:
            return seen.total() >= 5

        await eventually(some, what="consumption to start")
        await asyncio.to_thread(stack.postgres.stop, "immediate")
        await producer.send_all(
            record_of(topic, event_bytes(Thing, f"t{i % 7}", i), key=f"t{i % 7}")
            for i in range(n // 2, n)
        )
        await asyncio.sleep(3)
        await asyncio.to_thread(stack.postgres.start)

        async def done() -> bool:
            return seen.total() >= n

        await eventually(done, within=90, what="all events after the outage")
    # A COMMIT cut off by the outage may have succeeded on the server: the retry then
    # finds the inbox row and reports DUPLICATE. The invariant is one effect per event.
    assert seen.total() == n
    assert set(seen.counts) <= {Outcome.PROCESSED, Outcome.DUPLICATE}
    assert sorted(seq for _, seq in await effects(effects_pool)) == list(range(n))
    assert await list_dead_letters(kafka_bootstrap, topic.dlq.name) == []


async def test_consumer_lag_counts_uncommitted_messages(
    effects_pool, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic(partitions=1)
    Thing = thing_model(topic)
    entered: asyncio.Queue[int] = asyncio.Queue()
    release: asyncio.Queue[None] = asyncio.Queue()

    async def one_at_a_time(conn, event, meta):
        await entered.put(event.seq)
        await release.get()
        await record_effect(conn, event, meta)

    # One send: the three records come in one fetched batch.
    await producer.send_all([record_of(topic, event_bytes(Thing, "a", i)) for i in range(3)])
    consumer = InboxConsumer("test.lag", effects_pool, producer, {Thing: one_at_a_time})
    async with running(kafka_bootstrap, consumer) as broker:

        async def lag() -> list[tuple[str, str, int]]:
            return [(p.group, p.topic, p.lag) for p in await consumer_lag(broker)]

        async def caught_up() -> bool:
            return await lag() == [("test.lag", topic.name, 0)]

        # The handler holds a record: all three have been fetched, so only commits count.
        assert await asyncio.wait_for(entered.get(), 30) == 0
        assert await lag() == [("test.lag", topic.name, 3)]
        release.put_nowait(None)
        # The first one is applied, but the batch's offsets are committed once, at its end.
        assert await asyncio.wait_for(entered.get(), 30) == 1
        assert await lag() == [("test.lag", topic.name, 3)]
        release.put_nowait(None)
        assert await asyncio.wait_for(entered.get(), 30) == 2
        assert await lag() == [("test.lag", topic.name, 3)]
        release.put_nowait(None)
        await eventually(caught_up, what="lag 0 once the batch is committed")

        # A second batch: the first one's commit stands, the new records count.
        await producer.send_all([record_of(topic, event_bytes(Thing, "a", i)) for i in (3, 4)])
        assert await asyncio.wait_for(entered.get(), 30) == 3
        assert await lag() == [("test.lag", topic.name, 2)]
        release.put_nowait(None)
        assert await asyncio.wait_for(entered.get(), 30) == 4
        release.put_nowait(None)
        await eventually(caught_up, what="lag 0 once the second batch is committed")
    assert len(await effects(effects_pool)) == 5
