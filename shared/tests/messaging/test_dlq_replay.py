"""Dead-letter replay is tracked per dead letter: replaying one offset leaves the others
pending, and a re-created dead-letter topic does not inherit old replay markers."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from kim_devstack.testing import eventually
from kim_shared.cli import main
from kim_shared.dlq import list_dead_letters
from kim_shared.events.topics import TopicSpec
from kim_shared.kafka import OutgoingRecord, Producer, ensure_topics, read_topic

pytestmark = pytest.mark.integration


async def dead_letters(bootstrap: str, topic: TopicSpec, n: int, tag: str) -> None:
    producer = Producer(bootstrap)
    await producer.start()
    try:
        await producer.send_all(
            OutgoingRecord(
                topic.dlq.name,
                f"k{i}".encode(),
                json.dumps({"id": f"{tag}-{i}", "type": "kim.test.thing.happened.v1"}).encode(),
                [
                    ("kim-dlq-topic", topic.name.encode()),
                    ("kim-dlq-partition", b"0"),
                    ("kim-dlq-offset", str(100 + i).encode()),
                    ("kim-dlq-consumer", b"test.replay"),
                    ("kim-dlq-error-type", b"permanent_error"),
                    ("kim-dlq-error", b"not allowed yet"),
                ],
            )
            for i in range(n)
        )
    finally:
        await producer.stop()


async def replayed_ids(bootstrap: str, topic: TopicSpec) -> list[str]:
    return [json.loads(r.value or b"")["id"] for r in await read_topic(bootstrap, topic.name)]


async def pending_offsets(bootstrap: str, topic: TopicSpec) -> list[int]:
    return [d.offset for d in await list_dead_letters(bootstrap, topic.dlq.name) if not d.replayed]


async def test_replaying_one_offset_leaves_the_earlier_ones_pending(
    kafka_bootstrap: str, new_topic, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = await new_topic(partitions=1)
    await dead_letters(kafka_bootstrap, topic, 10, "a")
    args = ["--topic", topic.name, "--bootstrap", kafka_bootstrap]

    assert await asyncio.to_thread(main, ["dlq", "replay", "--offset", "9", *args]) == 0
    assert "1 pesan dikirim ulang" in capsys.readouterr().out
    assert await replayed_ids(kafka_bootstrap, topic) == ["a-9"]
    assert await pending_offsets(kafka_bootstrap, topic) == list(range(9))

    assert await asyncio.to_thread(main, ["dlq", "list", "--pending", *args]) == 0
    listed = capsys.readouterr().out
    assert "9 pesan" in listed
    assert f"{topic.dlq.name}[0]@8  menunggu" in listed
    assert f"{topic.dlq.name}[0]@9" not in listed

    assert await asyncio.to_thread(main, ["dlq", "replay", *args]) == 0
    assert "9 pesan dikirim ulang" in capsys.readouterr().out
    assert await replayed_ids(kafka_bootstrap, topic) == ["a-9", *(f"a-{i}" for i in range(9))]
    assert await pending_offsets(kafka_bootstrap, topic) == []
    assert await asyncio.to_thread(main, ["dlq", "replay", *args]) == 0
    assert "0 pesan dikirim ulang" in capsys.readouterr().out


async def test_a_recreated_dead_letter_topic_starts_with_nothing_replayed(
    kafka_bootstrap: str, new_topic
) -> None:
    topic = await new_topic(partitions=1)
    await dead_letters(kafka_bootstrap, topic, 2, "old")
    args = ["--topic", topic.name, "--bootstrap", kafka_bootstrap]
    assert await asyncio.to_thread(main, ["dlq", "replay", *args]) == 0
    assert await pending_offsets(kafka_bootstrap, topic) == []

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic.dlq.name])
    finally:
        await admin.close()

    async def recreated() -> bool:
        try:
            return await ensure_topics(kafka_bootstrap, [topic.dlq]) == [topic.dlq.name]
        except RuntimeError:  # still being deleted
            return False

    await eventually(recreated, what="the dead-letter topic to be created again")
    await dead_letters(kafka_bootstrap, topic, 2, "new")  # offsets 0 and 1 again
    assert await pending_offsets(kafka_bootstrap, topic) == [0, 1]
