"""What a rebuild hands the batch handler (the projection's events from the topic's records,
in partition and offset order, each event once; everything else skipped), and a rebuild
against the real broker: the projection emptied, then exactly what the topic says."""

from __future__ import annotations

import asyncpg
import pytest

from kim_devstack.testing import NewTopic
from kim_shared.kafka import OutgoingRecord, Producer, StoredRecord
from kim_shared.outbox.store import envelope
from kim_shared.projections import REGIONS
from kim_shared.projections.rebuild import deliveries, rebuild
from kim_shared.projections.regions import Region
from kim_shared.projections.regions.apply import apply_regions
from kim_shared.projections.regions.rows import all_regions

from .support import REGISTRY, delivered, kim_state, region

TOPIC = "kim.registry.region.v1"


def record(offset: int, value: bytes | None, partition: int = 0) -> StoredRecord:
    return StoredRecord(TOPIC, partition, offset, b"k", value, (), 0)


def test_only_the_projections_valid_events_are_delivered_once_each() -> None:
    first = envelope(region("35.02.01.2001"), REGISTRY)
    second = envelope(region("35.02.01.2002"), REGISTRY)
    invalid = first.model_copy(update={"data": {"code": "not a code"}}).to_bytes()
    other = envelope(kim_state(first.id, 1), REGISTRY).to_bytes()
    records = [
        record(0, first.to_bytes()),
        record(1, b"not json"),
        record(2, None),  # a tombstone
        record(3, invalid),
        record(4, other),  # a known type this projection does not apply
        record(5, first.to_bytes()),  # the relay published the same event twice
        record(0, second.to_bytes(), partition=1),
    ]
    events, skipped = deliveries(REGIONS, records)
    assert [(d.meta.partition, d.meta.offset, d.event.code) for d in events] == [
        (0, 0, "35.02.01.2001"),
        (1, 0, "35.02.01.2002"),
    ]
    assert [d.meta.envelope.id for d in events] == [first.id, second.id]
    assert skipped == 5


@pytest.mark.integration
async def test_a_rebuild_empties_the_projection_and_replays_the_topic(
    conn: asyncpg.Connection, kafka_bootstrap: str, new_topic: NewTopic
) -> None:
    topic = await new_topic(partitions=2)
    a, b = "35.02.01.2001", "35.02.01.2002"
    published = [region(a, name="v1"), region(b), region(a, name="v2")]
    producer = Producer(kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_all(
            [
                *(
                    OutgoingRecord(topic.name, e.code.encode(), envelope(e, REGISTRY).to_bytes())
                    for e in published
                ),
                OutgoingRecord(topic.name, b"x", b"not an event"),
            ]
        )
    finally:
        await producer.stop()
    # What a rebuild is for: rows the topic does not justify (a key it never had, a row whose
    # offset came from a topic since deleted and created again, so it looks newer).
    await apply_regions(
        conn,
        [
            delivered(region("99", name="Tidak ada"), offset=1),
            delivered(region(a, name="Lama"), offset=999),
        ],
    )

    done = await rebuild(conn, REGIONS, kafka_bootstrap, topics=[topic.name])
    assert (done.records, done.applied, done.skipped, done.rows) == (4, 3, 1, 2)
    assert await all_regions(conn) == {
        a: Region.of(region(a, name="v2")),
        b: Region.of(region(b)),
    }
