"""Rebuild a projection in a service's database from its state topics, beside the live
consumer (``kim projections rebuild <service> <projection>``).

In one transaction: lock the projection's tables (``EXCLUSIVE``: the service keeps
reading the old rows, its live consumer's writes wait), empty them, read every record of
the projection's topics up to their *current* end, apply them through the projection's
own batch handler, commit. Readers never see an empty projection, only the old content
and then the new.

The live consumer keeps running with its group offsets untouched. That is safe because
every projection is monotonic (a record never overwrites a newer one; the same record
twice changes nothing) and because the end offsets are read *after* the lock is held: a
record the live consumer applied before the lock is below those ends and comes again in
the replay; a record it applies after the commit lands on top of the rebuilt rows, which
either takes it (newer) or ignores it (already there, or older). The consumer waits on
the lock for as long as the rebuild runs (seconds for the whole country).

Records that are not CloudEvents, of types the projection does not apply, or whose data
is invalid are skipped and counted (the live consumer dead-letters the invalid ones). The
same event twice on the topic (a record the relay published twice) is applied once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from kim_shared.db import Connection
from kim_shared.events.envelope import CloudEvent, InvalidEnvelope
from kim_shared.inbox import Delivered, EventMeta
from kim_shared.kafka import StoredRecord, read_topic
from kim_shared.projections.base import Projection

CHUNK = 5_000
"""Events per call of the batch handler: large enough for set-based statements, small
enough for the statement's arrays."""


@dataclass(frozen=True)
class Rebuilt:
    records: int
    """Records read from the topics."""
    applied: int
    """Events handed to the batch handler."""
    skipped: int
    """Records that were not events of this projection (see the module docstring)."""
    rows: int
    """Keys the projection holds afterwards."""


def deliveries(
    projection: Projection, records: Sequence[StoredRecord]
) -> tuple[list[Delivered], int]:
    """The projection's events among ``records`` (in partition and offset order, each event
    id once) and how many records were skipped."""
    models = {m.event_type: m for m in projection.events}
    seen: set[object] = set()
    out: list[Delivered] = []
    for r in records:
        try:
            envelope = CloudEvent.from_bytes(r.value)
        except InvalidEnvelope:
            continue
        model = models.get(envelope.type)
        if model is None or envelope.id in seen:
            continue
        try:
            event = model.model_validate(envelope.data)
        except (ValidationError, ValueError):
            continue
        seen.add(envelope.id)
        out.append(Delivered(event, EventMeta(envelope, r.topic, r.partition, r.offset)))
    return out, len(records) - len(out)


def _chunks(items: list[Delivered], size: int) -> Iterator[list[Delivered]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def rebuild(
    conn: Connection,
    projection: Projection,
    bootstrap: str,
    *,
    chunk: int = CHUNK,
    topics: Sequence[str] | None = None,
) -> Rebuilt:
    """Empty ``projection`` in ``conn``'s database and replay its topics into it, atomically.

    ``topics`` replaces the projection's state topics as the source (tests replay a topic of
    their own instead of the one the whole test session shares)."""
    tables = ", ".join(projection.tables)
    sources = list(topics) if topics is not None else [t.name for t in projection.topics]
    async with conn.transaction():
        await conn.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for table in projection.tables:
            await conn.execute(f"DELETE FROM {table}")
        records: list[StoredRecord] = []
        for topic in sources:  # ends read now, under the lock: see the module docstring
            records += await read_topic(bootstrap, topic)
        events, skipped = deliveries(projection, records)
        for part in _chunks(events, chunk):
            await projection.apply(conn, part)
        rows = len(await projection.rows(conn))
    return Rebuilt(records=len(records), applied=len(events), skipped=skipped, rows=rows)
