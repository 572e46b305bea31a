"""Attach an :class:`InboxConsumer` to a FastStream ``KafkaBroker``.

The subscriber uses ``AckPolicy.MANUAL``: the offset is committed (``ack``)
only after the consumer returned, i.e. after the inbox transaction committed or
the dead letter was acknowledged. The wrapped function never raises for a
record, so FastStream never skips one silently. New groups start from the
earliest offset.
"""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from kim_shared.inbox.consumer import InboxConsumer
from kim_shared.inbox.deadletter import Origin


def subscribe(broker: KafkaBroker, consumer: InboxConsumer, *, description: str = "") -> Any:
    """Register ``consumer`` on ``broker`` (before ``broker.start()``)."""

    async def handle(message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        await consumer.process(
            Origin(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                value=record.value,
                headers=tuple(record.headers or ()),
            )
        )
        await message.ack()

    handle.__name__ = consumer.name.replace(".", "_").replace("-", "_")
    subscriber = broker.subscriber(
        *consumer.topics,
        group_id=consumer.name,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        title=consumer.name,
        description=description or f"Inbox consumer {consumer.name}",
    )
    return subscriber(handle)
