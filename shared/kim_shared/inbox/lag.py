"""Consumer lag of the subscribers running in a FastStream broker, for ``/metrics``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    lag: int  # messages between the group's committed offset and the end of the partition


async def consumer_lag(broker: KafkaBroker) -> list[PartitionLag]:
    """Lag of every partition assigned to this process's consumers."""
    out: list[PartitionLag] = []
    for subscriber in broker.subscribers:
        consumer: Any = getattr(subscriber, "consumer", None)
        group = getattr(subscriber, "group_id", None)
        if consumer is None or group is None:
            continue
        partitions = list(consumer.assignment())
        if not partitions:
            continue
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            committed = await consumer.committed(tp) or 0
            out.append(PartitionLag(group, tp.topic, tp.partition, max(0, ends[tp] - committed)))
    return out
