"""Attach an :class:`InboxConsumer` to a FastStream ``KafkaBroker``.

The subscriber uses ``AckPolicy.MANUAL``: the offset is committed (``ack``)
only after the consumer returned, i.e. after the inbox transaction committed or
the dead letter was acknowledged. New groups start from the earliest offset.

FastStream only logs an exception raised while it parses, decodes or handles
a record, and under ``MANUAL`` the next record's ``ack()`` commits the
consumer's position, past the record that failed: it would be skipped without
a trace. So nothing may fail before our code sees the record:

* the decoder hands the raw bytes through (FastStream's default one runs
  ``json.loads`` on the body, which raises ``ValueError`` for a 5,000-digit
  integer and ``RecursionError`` for deep nesting);
* the parser tolerates header values that are not UTF-8 (FastStream decodes
  them all), keeping the raw record for the dead letter;
* :meth:`InboxConsumer.process` turns every failure of a record into an
  effect, a retry or a dead letter; if something still escapes it (a bug), the
  wrapper seeks the partition back to that record and backs off before it is
  fetched again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from kim_shared.inbox.consumer import InboxConsumer
from kim_shared.inbox.deadletter import Origin

log = logging.getLogger(__name__)


@dataclass
class _Backoff:
    """Delay before an escaped record is fetched again; doubles per failure in a row."""

    initial_s: float = 0.5
    max_s: float = 30.0
    current_s: float = 0.0

    def next(self) -> float:
        self.current_s = min(self.max_s, self.current_s * 2 or self.initial_s)
        return self.current_s

    def reset(self) -> None:
        self.current_s = 0.0


Record: TypeAlias = Any  # aiokafka's ConsumerRecord; aiokafka ships no type information


async def _parse(
    record: Record, original: Callable[[Record], Awaitable[StreamMessage[Record]]]
) -> StreamMessage[Record]:
    """FastStream's parser, made total: a header value that is not UTF-8 is replaced for
    FastStream's view only; ``raw_message`` stays the record as it came."""
    try:
        return await original(record)
    except UnicodeDecodeError:
        readable = [(k, v.decode(errors="replace").encode()) for k, v in record.headers or ()]
        message = await original(dataclasses.replace(record, headers=readable))
        message.raw_message = record
        return message


async def _raw_body(message: StreamMessage[Record]) -> Any:
    """No decoding: the inbox consumer parses the CloudEvent and dead-letters what is not one."""
    return message.body


def subscribe(
    broker: KafkaBroker,
    consumer: InboxConsumer,
    *,
    description: str = "",
    escape_backoff_s: float = 0.5,
) -> Any:
    """Register ``consumer`` on ``broker`` (before ``broker.start()``)."""
    backoff = _Backoff(initial_s=escape_backoff_s)

    async def handle(message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        try:
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
        except Exception:
            delay = backoff.next()
            log.exception(
                "%s: %s[%d]@%d escaped the inbox consumer; fetching it again in %.1fs",
                consumer.name,
                record.topic,
                record.partition,
                record.offset,
                delay,
            )
            await message.nack()  # seek back: the next ack() must not commit past this record
            await asyncio.sleep(delay)
            return
        backoff.reset()
        try:
            await message.ack()
        except KafkaError as exc:
            # The effect is committed; the next ack (or a redelivery the inbox skips) covers it.
            log.warning("%s: offset commit failed, will be retried: %r", consumer.name, exc)

    handle.__name__ = consumer.name.replace(".", "_").replace("-", "_")
    subscriber = broker.subscriber(
        *consumer.topics,
        group_id=consumer.name,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        title=consumer.name,
        description=description or f"Inbox consumer {consumer.name}",
    )
    return subscriber(handle, parser=_parse, decoder=_raw_body)
