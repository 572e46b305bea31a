"""Outbox rows that can never be published are parked with their error; the rest keeps
flowing, in order per key; an operator releases parked rows once the cause is fixed.
Real broker and database."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import ClassVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata
from fastapi import FastAPI

from kim_devstack.testing import eventually
from kim_shared import outbox
from kim_shared.events.envelope import MAX_ENVELOPE_BYTES
from kim_shared.events.topics import TopicSpec
from kim_shared.http.app import install_http_kit
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.kafka import Producer, read_topic
from kim_shared.outbox import EventTooLarge
from kim_shared.outbox.parked import list_parked, release_parked
from kim_shared.outbox.relay import OutboxRelay, RelayConfig
from kim_shared.outbox.store import envelope

from .support import SOURCE, ThingBase

pytestmark = pytest.mark.integration


class Note(ThingBase):
    """A thing with free text, to make events of a chosen size."""

    event_type: ClassVar[str] = "kim.test.note.written.v1"
    text: str = ""


def note_model(topic: TopicSpec) -> type[Note]:
    class NoteOn(Note):
        pass

    NoteOn.topic = topic
    return NoteOn


@pytest.fixture
async def producer(kafka_bootstrap: str):
    p = Producer(kafka_bootstrap, send_timeout_s=10, missing_topic_grace_s=1.0)
    await p.start()
    yield p
    await p.stop()


async def stage(pool: asyncpg.Pool, topic: str, thing_id: str, seq: int, text: str = "") -> int:
    """Insert an outbox row directly (rows from before the size check, or any topic name)."""
    NoteOn = note_model(TopicSpec(topic))
    ce = envelope(NoteOn(thing_id=thing_id, seq=seq, text=text), SOURCE)
    row_id: int = await pool.fetchval(
        "INSERT INTO outbox (event_id, topic, key, event_type, payload, headers)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        ce.id,
        topic,
        thing_id,
        ce.type,
        ce.to_bytes(),
        {"content-type": "application/cloudevents+json"},
    )
    return row_id


async def published(bootstrap: str, topic: str) -> dict[str, list[int]]:
    """Per key, the seqs on the topic in log order, duplicates removed (first copy wins)."""
    seen: set[str] = set()
    out: dict[str, list[int]] = defaultdict(list)
    for record in await read_topic(bootstrap, topic):
        body = json.loads(record.value or b"")
        if body["id"] not in seen:
            seen.add(body["id"])
            out[body["data"]["thing_id"]].append(body["data"]["seq"])
    return dict(out)


async def unsent(pool: asyncpg.Pool) -> dict[int, tuple[bool, int]]:
    """Unsent rows: id -> (parked, attempts)."""
    rows = await pool.fetch(
        "SELECT id, parked_at IS NOT NULL AS parked, attempts FROM outbox"
        " WHERE sent_at IS NULL ORDER BY id"
    )
    return {r["id"]: (r["parked"], r["attempts"]) for r in rows}


class Running:
    """A relay task for the duration of a block."""

    def __init__(self, relay: OutboxRelay) -> None:
        self.relay = relay
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OutboxRelay:
        self.task = asyncio.create_task(self.relay.run())
        return self.relay

    async def __aexit__(self, *exc: object) -> None:
        self.relay.stop()
        assert self.task is not None
        await self.task


# --- refused before it reaches the outbox ----------------------------------------------


async def test_an_event_larger_than_consumers_accept_is_a_422_and_stages_nothing(
    kit_pool, new_topic
):
    NoteOn = note_model(await new_topic())
    app = FastAPI()
    install_http_kit(app, "test", ServiceMetrics(process_metrics=False))

    @app.post("/notes")
    async def write_note(size: int) -> dict[str, str]:
        async with kit_pool.acquire() as conn, conn.transaction():
            await conn.execute("CREATE TABLE IF NOT EXISTS notes (n int)")
            await conn.execute("INSERT INTO notes VALUES (1)")
            ce = await outbox.add(conn, NoteOn(thing_id="n", seq=1, text="x" * size), SOURCE)
        return {"id": str(ce.id)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        too_big = await client.post("/notes", params={"size": MAX_ENVELOPE_BYTES})
        fits = await client.post("/notes", params={"size": MAX_ENVELOPE_BYTES - 1000})
    assert too_big.status_code == 422, too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["type"].endswith("/event-too-large")
    assert f"limited to {MAX_ENVELOPE_BYTES:,} bytes" in too_big.json()["detail"]
    assert fits.status_code == 200, fits.text
    assert await kit_pool.fetchval("SELECT count(*) FROM notes") == 1  # no half-written change
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox") == 1

    async with kit_pool.acquire() as conn, conn.transaction():
        with pytest.raises(EventTooLarge):
            await outbox.add_many(conn, [NoteOn(thing_id="m", seq=2, text="y" * 10**6)], SOURCE)


# --- parked by the relay --------------------------------------------------------------


async def test_rows_that_can_never_be_published_are_parked_and_other_keys_flow(
    kit_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = (await new_topic(partitions=2)).name
    await commit_an_offset(kafka_bootstrap, topic)  # __consumer_offsets exists from then on
    missing = f"kim.test.missing{uuid.uuid4().hex[:8]}.v1"  # no such topic on the broker
    huge = await stage(kit_pool, topic, "huge", 1, text="x" * 1_100_000)  # over max request
    after_huge = await stage(kit_pool, topic, "huge", 2)
    lost = await stage(kit_pool, missing, "lost", 1)
    internal = await stage(kit_pool, "__consumer_offsets", "internal", 1)  # broker refuses
    for seq in range(1, 4):
        for key in ("a", "b"):
            await stage(kit_pool, topic, key, seq)
    relay = OutboxRelay(kit_pool, fresh_db, producer, RelayConfig(poll_interval_s=0.2))

    async with Running(relay):

        async def settled() -> bool:
            rows = await unsent(kit_pool)
            return {i for i, (parked, _) in rows.items() if parked} == {huge, lost, internal}

        await eventually(settled, within=60, what="three rows parked")
        assert await published(kafka_bootstrap, topic) == {"a": [1, 2, 3], "b": [1, 2, 3]}
        assert (await unsent(kit_pool))[after_huge] == (False, 0), "waits behind its parked row"

        async with kit_pool.acquire() as conn:
            parked = {p.id: p for p in await list_parked(conn)}
        assert "RecordRefused" in parked[huge].last_error
        assert parked[huge].waiting == 1
        assert "no such topic" in parked[lost].last_error
        assert "InvalidTopic" in parked[internal].last_error

        # The operator creates the missing topic and releases its row: it goes out.
        await new_topic_named(kafka_bootstrap, missing)
        async with kit_pool.acquire() as conn:
            assert await release_parked(conn, {lost}) == [lost]

        async def lost_sent() -> bool:
            return lost not in await unsent(kit_pool)

        await eventually(lost_sent, what="the released row to be published")
    assert await published(kafka_bootstrap, missing) == {"lost": [1]}
    assert set(await unsent(kit_pool)) == {huge, after_huge, internal}


async def commit_an_offset(bootstrap: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"test.{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.commit({tp: OffsetAndMetadata(0, "")})
    finally:
        await consumer.stop()


async def new_topic_named(bootstrap: str, name: str, **configs: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, num_partitions=1, replication_factor=1, topic_configs=configs)]
        )
    finally:
        await admin.close()


async def test_a_batch_the_broker_refuses_is_narrowed_down_to_the_row_that_caused_it(
    kit_pool, fresh_db, producer, kafka_bootstrap
):
    topic = f"kim.test.small{uuid.uuid4().hex[:8]}.v1"
    await new_topic_named(kafka_bootstrap, topic, **{"max.message.bytes": "3000"})
    rows = {
        ("x", 1): await stage(kit_pool, topic, "x", 1),
        ("y", 1): await stage(kit_pool, topic, "y", 1, text="y" * 5000),  # over the topic limit
        ("x", 2): await stage(kit_pool, topic, "x", 2),
        ("y", 2): await stage(kit_pool, topic, "y", 2),
        ("z", 1): await stage(kit_pool, topic, "z", 1),
        ("x", 3): await stage(kit_pool, topic, "x", 3),
    }
    relay = OutboxRelay(kit_pool, fresh_db, producer, RelayConfig(poll_interval_s=0.2))

    async with Running(relay):

        async def only_y_left() -> bool:
            return set(await unsent(kit_pool)) == {rows["y", 1], rows["y", 2]}

        await eventually(only_y_left, within=60, what="every row but y's to be published")
    left = await unsent(kit_pool)
    assert left[rows["y", 1]][0] is True, "the oversized row is parked"
    assert left[rows["y", 2]][0] is False, "the next row of its key waits, not parked"
    assert await published(kafka_bootstrap, topic) == {"x": [1, 2, 3], "z": [1]}
    assert producer.replaced >= 1, "a refused batch breaks the producer's sequence: replaced"


async def test_a_parked_key_with_a_long_tail_does_not_starve_the_other_keys(
    kit_pool, fresh_db, producer, new_topic, kafka_bootstrap
):
    topic = (await new_topic(partitions=1)).name
    blocked = await stage(kit_pool, topic, "blocked", 0)
    await kit_pool.execute(
        "UPDATE outbox SET parked_at = now(), last_error = 'x' WHERE id = $1", blocked
    )
    for seq in range(1, 8):  # more rows behind the parked one than a batch holds
        await stage(kit_pool, topic, "blocked", seq)
    for seq in range(3):
        await stage(kit_pool, topic, "free", seq)
    relay = OutboxRelay(kit_pool, fresh_db, producer, RelayConfig(batch_size=3))
    assert await relay.drain() == 3
    assert await published(kafka_bootstrap, topic) == {"free": [0, 1, 2]}
    assert len(await unsent(kit_pool)) == 8
