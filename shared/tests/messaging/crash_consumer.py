"""Run an inbox consumer that dies (``os._exit``) after its database commit, before
the Kafka offset commit. Used by ``test_inbox.py`` in a subprocess.

It dies only after :data:`LINGER_S`, longer than aiokafka's auto-commit interval
(``auto_commit_interval_ms``, 5 s by default): a subscriber that committed
offsets automatically would have committed past the record by then, and the
test would see no redelivery.

argv: bootstrap dsn topic group
"""

from __future__ import annotations

import asyncio
import os
import sys

from kim_shared.db import create_pool
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import InboxConsumer
from kim_shared.inbox.deadletter import Origin
from kim_shared.kafka import Producer
from messaging.support import record_effect, running, thing_model  # type: ignore[import-not-found]

CRASH_CODE = 17
LINGER_S = 6.5


async def main(bootstrap: str, dsn: str, topic: str, group: str) -> None:
    pool = await create_pool(dsn)
    producer = Producer(bootstrap)
    await producer.start()

    async def die(origin: Origin) -> None:
        await asyncio.sleep(LINGER_S)
        os._exit(CRASH_CODE)

    consumer = InboxConsumer(
        group, pool, producer, {thing_model(TopicSpec(topic)): record_effect}, after_commit=die
    )
    async with running(bootstrap, consumer):
        await asyncio.sleep(60)
    os._exit(1)  # should have died on the first event


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
