"""Transactional outbox and relay against the real broker and database."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import asyncpg
import pytest

from kim_devstack.testing import eventually
from kim_shared import outbox
from kim_shared.kafka import Producer, read_topic
from kim_shared.outbox.relay import OutboxRelay, RelayConfig
from kim_shared.outbox.store import OutboxMisuse

from .support import SOURCE, thing_model

pytestmark = pytest.mark.integration


@pytest.fixture
async def producer(kafka_bootstrap: str):
    p = Producer(kafka_bootstrap)
    await p.start()
    yield p
    await p.stop()


async def _things_table(pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE things (id text PRIMARY KEY, seq int NOT NULL)")


async def test_failure_after_outbox_insert_leaves_nothing(
    kit_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic()
    Thing = thing_model(topic)
    await _things_table(kit_pool)

    async def change_then_fail() -> None:
        async with kit_pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO things VALUES ('a', 1)")
            await outbox.add(conn, Thing(thing_id="a", seq=1), SOURCE)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await change_then_fail()

    assert await kit_pool.fetchval("SELECT count(*) FROM things") == 0
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox") == 0
    relay = OutboxRelay(kit_pool, fresh_db, producer)
    assert await relay.drain() == 0
    assert await read_topic(kafka_bootstrap, topic.name) == []


async def test_add_outside_transaction_is_refused(kit_pool, new_topic):
    Thing = thing_model(await new_topic())
    async with kit_pool.acquire() as conn:
        with pytest.raises(OutboxMisuse):
            await outbox.add(conn, Thing(thing_id="a", seq=1), SOURCE)


async def test_envelope_is_a_cloudevent_keyed_by_aggregate(
    kit_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic()
    Thing = thing_model(topic)
    async with kit_pool.acquire() as conn, conn.transaction():
        ce = await outbox.add(conn, Thing(thing_id="desa-7", seq=3), SOURCE)
    await OutboxRelay(kit_pool, fresh_db, producer).drain()

    (record,) = await read_topic(kafka_bootstrap, topic.name)
    assert record.key == b"desa-7"
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    body = json.loads(record.value or b"")
    assert body["id"] == str(ce.id)
    assert body["specversion"] == "1.0"
    assert body["type"] == "kim.test.thing.happened.v1"
    assert body["source"] == "/kim/registry"
    assert body["subject"] == "desa-7"
    assert body["kabupaten"] == "35.02"
    assert body["data"] == {"thing_id": "desa-7", "seq": 3}
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


async def test_rows_committed_while_relay_down_are_published_after_restart(
    kit_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = await new_topic()
    Thing = thing_model(topic)

    class Crash(Exception):
        pass

    async def crash_after_ack(ids: list[int]) -> None:
        raise Crash  # the process dies after the broker ack, before marking rows sent

    async with kit_pool.acquire() as conn, conn.transaction():
        for i in range(5):
            await outbox.add(conn, Thing(thing_id="k", seq=i), SOURCE)

    crashing = OutboxRelay(kit_pool, fresh_db, producer, after_send=crash_after_ack)
    with pytest.raises(Crash):
        await crashing.drain()
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 5

    restarted = OutboxRelay(kit_pool, fresh_db, producer)
    task = asyncio.create_task(restarted.run())
    try:

        async def all_marked() -> bool:
            n = await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            return bool(n == 0)

        await eventually(all_marked, what="relay to publish pending rows")
    finally:
        restarted.stop()
        await task

    seqs = [
        json.loads(r.value or b"")["data"]["seq"]
        for r in await read_topic(kafka_bootstrap, topic.name)
    ]
    # At least once: the crashed attempt's copies, then the restart's, each in order.
    assert seqs == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]


async def test_relay_wakes_on_notify(kit_pool, fresh_db, producer, new_topic, kafka_bootstrap):
    topic = await new_topic()
    Thing = thing_model(topic)
    relay = OutboxRelay(kit_pool, fresh_db, producer, RelayConfig(poll_interval_s=600))
    task = asyncio.create_task(relay.run())
    try:
        # However slow start-up is: wait until the relay listens and has gone idle after
        # its first drain. From then on only NOTIFY can wake it within the test (the poll
        # fallback is 10 minutes away).
        async def waiting() -> bool:
            return relay.listening and relay.idle.is_set()

        await eventually(waiting, what="the relay to listen and go idle")
        assert relay.published == 0
        async with kit_pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, Thing(thing_id="n", seq=1), SOURCE)

        async def published() -> bool:
            return relay.published == 1

        await eventually(published, within=10, what="NOTIFY to wake the relay")
    finally:
        relay.stop()
        await task


async def test_two_relays_publish_everything_in_per_key_order(
    kit_pool, fresh_db, kafka_bootstrap, new_topic
):
    topic = await new_topic(partitions=4)
    Thing = thing_model(topic)
    keys, per_key = 12, 30
    producers = [Producer(kafka_bootstrap), Producer(kafka_bootstrap)]
    for p in producers:
        await p.start()
    relays = [
        OutboxRelay(kit_pool, fresh_db, p, RelayConfig(batch_size=7, poll_interval_s=0.05))
        for p in producers
    ]
    tasks = [asyncio.create_task(r.run()) for r in relays]

    async def writer(key: int) -> None:
        for seq in range(per_key):
            async with kit_pool.acquire() as conn, conn.transaction():
                await outbox.add(conn, Thing(thing_id=f"key-{key}", seq=seq), SOURCE)

    try:
        await asyncio.gather(*(writer(k) for k in range(keys)))

        async def all_sent() -> bool:
            n = await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            return bool(n == 0)

        await eventually(all_sent, within=60, what="both relays to drain the outbox")
    finally:
        for r in relays:
            r.stop()
        await asyncio.gather(*tasks)
        for p in producers:
            await p.stop()

    assert all(r.published > 0 for r in relays), "both relays should have taken work"
    seen: dict[str, list[int]] = defaultdict(list)
    for record in await read_topic(kafka_bootstrap, topic.name):
        data = json.loads(record.value or b"")["data"]
        seen[data["thing_id"]].append(data["seq"])
    assert set(seen) == {f"key-{k}" for k in range(keys)}
    for key, seqs in seen.items():
        assert seqs == sorted(seqs), f"{key} out of order: {seqs}"
        assert set(seqs) == set(range(per_key)), f"{key} lost events"
