"""The producer while the broker is away: every call returns within its bound, stop()
included, and delivery resumes on a fresh producer once the broker is back.

Uses a Kafka of its own (``outage_kafka``), stopped and restarted here.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from kim_devstack.kafka import KafkaNode
from kim_shared.events.topics import REGISTRY_ACTIVITY
from kim_shared.kafka import OutgoingRecord, Producer, read_topic
from kim_shared.producer import BrokerUnavailable, ProducerStopped, SendTimeout

pytestmark = pytest.mark.integration

TOPIC = REGISTRY_ACTIVITY.name  # declared in the catalogue, so it exists on that broker


def records(key: bytes, *ns: int) -> list[OutgoingRecord]:
    return [OutgoingRecord(TOPIC, key, str(n).encode()) for n in ns]


async def test_stop_returns_within_its_bound_with_undeliverable_records(
    outage_kafka: KafkaNode,
) -> None:
    producer = Producer(outage_kafka.bootstrap_servers, send_timeout_s=120, stop_timeout_s=1)
    await producer.start()
    key = uuid.uuid4().hex.encode()
    await producer.send_all(records(key, 0))  # connected, topic metadata known
    await asyncio.to_thread(outage_kafka.stop)

    stuck = asyncio.create_task(producer.send_all(records(key, 1)))
    await asyncio.sleep(2)
    assert not stuck.done(), "the broker is away: the record waits in the producer"

    started = time.monotonic()
    await asyncio.wait_for(producer.stop(), 60)  # aiokafka's own stop() would flush forever
    assert time.monotonic() - started < 5
    with pytest.raises(ProducerStopped):
        await stuck


async def test_a_timed_out_send_replaces_the_producer_and_delivery_resumes_in_order(
    outage_kafka: KafkaNode,
) -> None:
    producer = Producer(outage_kafka.bootstrap_servers, send_timeout_s=2, stop_timeout_s=1)
    key = uuid.uuid4().hex.encode()
    await producer.start()
    try:
        await producer.send_all(records(key, 10))
        await asyncio.to_thread(outage_kafka.stop)

        outcomes = await asyncio.wait_for(producer.deliver(records(key, 11, 12)), 30)
        assert all(isinstance(e, SendTimeout) for e in outcomes), outcomes
        assert producer.replaced == 1, "it may still hold the batch: replaced, not reused"
        with pytest.raises(BrokerUnavailable):  # no broker to connect a new one to
            await asyncio.wait_for(producer.deliver(records(key, 11)), 30)

        await asyncio.to_thread(outage_kafka.start)
        assert await producer.deliver(records(key, 11, 12)) == [None, None]
    finally:
        await producer.stop()
    ours = [
        r.value for r in await read_topic(outage_kafka.bootstrap_servers, TOPIC) if r.key == key
    ]
    # At least once, in order: a late copy of the timed-out batch may come before the resend.
    first_copies = list(dict.fromkeys(ours))
    assert first_copies == [b"10", b"11", b"12"]
    assert ours[-2:] == [b"11", b"12"]
