"""Example subscriber: a local table of every KIM per village, from the registry's compacted
state topic ``kim.registry.kim_state.v1``, with nothing but aiokafka and the standard library.

    python kim_villages.py --bootstrap 127.0.0.1:19092 --db kim.sqlite --until-caught-up
    python kim_villages.py --bootstrap … --db kim.sqlite              # keep following
    python kim_villages.py --bootstrap … --db kim.sqlite --replay     # from the first record

The consumer joins its group (run one process per table: its group gets every partition), applies
each fetched batch in one SQLite transaction (dedupe by CloudEvents ``id``, newer
``revision`` only, tombstones delete) and commits the batch's offsets to its consumer group
afterwards. A crash between the two only means the batch comes again, which the table
skips. A new table starts from the earliest offset: the topic is compacted and kept forever,
so its records rebuild every KIM. ``--replay`` reads everything again into the same table:
nothing changes. See docs/subscribers.md in the KIM Platform repository.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import ssl
from collections import Counter
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from villages_store import KimState, Outcome, Store

TOPIC = "kim.registry.kim_state.v1"
EVENT_TYPE = "kim.registry.kim_state.changed.v1"

log = logging.getLogger("kim_villages")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Tabel lokal KIM per desa dari topik state registry.")
    p.add_argument("--bootstrap", default="127.0.0.1:19092", help="alamat broker Kafka")
    p.add_argument("--topic", default=TOPIC, help=f"topik state KIM (bawaan: {TOPIC})")
    p.add_argument("--group", default="agency-example.kim-villages", help="consumer group")
    p.add_argument("--db", type=Path, default=Path("kim_villages.sqlite"), help="berkas SQLite")
    p.add_argument("--replay", action="store_true", help="baca ulang dari record pertama")
    p.add_argument(
        "--until-caught-up", action="store_true", help="berhenti setelah sampai ujung topik"
    )
    p.add_argument("--username", help="pengguna SCRAM-SHA-512 (KafkaUser instansi)")
    p.add_argument("--password", help="kata sandi SCRAM-SHA-512")
    return p.parse_args(argv)


def consumer_for(args: argparse.Namespace) -> AIOKafkaConsumer:
    security: dict[str, Any] = {}
    if args.username:  # the platform's KafkaUser: SCRAM-SHA-512 over TLS
        security = {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.username,
            "sasl_plain_password": args.password,
            "ssl_context": ssl.create_default_context(),
        }
    return AIOKafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,  # offsets only after the table committed
        auto_offset_reset="earliest",  # a new table starts from the first record
        isolation_level="read_committed",
        max_poll_records=1000,
        **security,
    )


def apply(store: Store, record: ConsumerRecord[bytes, bytes]) -> Outcome | str:
    """One record into the table; what happened to it."""
    if record.value is None:  # tombstone: the key (KIM id) is gone
        return store.remove(record.key.decode()) if record.key else "invalid"
    try:
        envelope = json.loads(record.value)
    except ValueError:
        return "invalid"
    if not isinstance(envelope, dict) or envelope.get("specversion") != "1.0":
        return "invalid"
    if envelope.get("type") != EVENT_TYPE:
        return "other type"  # a later version or another type: not for this table
    try:
        state = KimState.from_cloudevent(envelope)
    except (KeyError, TypeError, ValueError):
        return "invalid"
    return store.apply(state)


class Assignment(ConsumerRebalanceListener):  # type: ignore[misc]
    """Knows when the group gave this consumer its partitions; seeks back for ``--replay``."""

    def __init__(self, consumer: AIOKafkaConsumer, *, replay: bool) -> None:
        self.consumer = consumer
        self.replay = replay
        self.ready = asyncio.Event()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.ready.clear()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self.replay and assigned:
            await self.consumer.seek_to_beginning(*assigned)
            self.replay = False
        self.ready.set()


async def caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    return all([await consumer.position(tp) >= end for tp, end in ends.items()])


async def run(args: argparse.Namespace) -> Counter[str]:
    """Follow the topic into the table; with ``--until-caught-up``, stop at its current end."""
    outcomes: Counter[str] = Counter()
    store = Store(args.db)
    consumer = consumer_for(args)
    await consumer.start()
    try:
        assignment = Assignment(consumer, replay=args.replay)
        consumer.subscribe([args.topic], listener=assignment)
        ends: dict[TopicPartition, int] = {}
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            if batches:
                with store.batch():  # the whole batch in one transaction …
                    for records in batches.values():
                        for record in records:
                            outcomes[apply(store, record)] += 1
                # … then its offsets: a crash in between only brings the batch again
                await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batches.items()})
            if args.until_caught_up and assignment.ready.is_set():
                ends = ends or await consumer.end_offsets(list(consumer.assignment()))
                if await caught_up(consumer, ends):
                    break
    finally:
        await consumer.stop()
        store.close()
    return outcomes


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    outcomes = asyncio.run(run(args))
    store = Store(args.db)
    try:
        villages = store.per_village()
    finally:
        store.close()
    print(json.dumps({"records": dict(outcomes), "villages": len(villages)}))
    for village, kim, aktif in villages:
        log.info("desa %s: %d KIM, %d aktif", village, kim, aktif)


if __name__ == "__main__":
    main()
