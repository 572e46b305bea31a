"""Run an inbox consumer that dies (``os._exit``) after its database commit, before
the Kafka offset commit. Used by ``test_inbox.py`` and ``test_inbox_batch.py`` in a
subprocess.

It dies only after :data:`LINGER_S`, longer than aiokafka's auto-commit interval
(``auto_commit_interval_ms``, 5 s by default): a subscriber that committed
offsets automatically would have committed past the records by then, and the
test would see no redelivery.

Modes:

* ``per_event`` — per-event handler; dies after the first event's transaction;
* ``batch`` — batch handler; dies after the first batch transaction;
* ``batch_mid`` — batch handler on a topic of two partitions; the transaction of
  partition 1 stays open (its handler waits) while partition 0's commits, and the
  process dies then: a crash in the middle of a batch. It prints ``holding 1`` and
  ``committed 0`` so the test knows that this is what happened.

argv: bootstrap dsn topic group [mode]
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from kim_shared.db import Connection, create_pool
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import BaseInboxConsumer, BatchInboxConsumer, Delivered, InboxConsumer
from kim_shared.inbox.deadletter import Origin
from kim_shared.kafka import Producer
from messaging.support import (  # type: ignore[import-not-found]
    record_effect,
    record_effects,
    running,
    thing_model,
)

CRASH_CODE = 17
LINGER_S = 6.5


async def main(bootstrap: str, dsn: str, topic: str, group: str, mode: str = "per_event") -> None:
    pool = await create_pool(dsn)
    producer = Producer(bootstrap)
    await producer.start()
    Thing = thing_model(TopicSpec(topic))

    async def die(origin: Origin) -> None:
        if mode == "batch_mid":
            if origin.partition != 0:
                return
            print("committed 0", flush=True)
        await asyncio.sleep(LINGER_S)
        os._exit(CRASH_CODE)

    async def hold_partition_1(conn: Connection, delivered: Sequence[Delivered]) -> None:
        if delivered[0].meta.partition == 1:
            print("holding 1", flush=True)
            await asyncio.Event().wait()  # the transaction stays open until the process dies
        await record_effects(conn, delivered)

    consumer: BaseInboxConsumer
    if mode == "per_event":
        consumer = InboxConsumer(group, pool, producer, {Thing: record_effect}, after_commit=die)
    else:
        handler = hold_partition_1 if mode == "batch_mid" else record_effects
        consumer = BatchInboxConsumer(group, pool, producer, handler, (Thing,), after_commit=die)
    async with running(bootstrap, consumer):
        await asyncio.sleep(60)
    os._exit(1)  # should have died on the first commit


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
