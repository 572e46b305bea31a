"""What a rebuild hands the batch handler: the projection's events from the topic's
records, in partition and offset order, each event once; everything else skipped."""

from __future__ import annotations

from kim_shared.kafka import StoredRecord
from kim_shared.outbox.store import envelope
from kim_shared.projections import REGIONS
from kim_shared.projections.rebuild import deliveries

from .support import REGISTRY, kim_state, region

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
