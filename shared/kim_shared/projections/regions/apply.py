"""The batch handler of the region projection: one statement per batch.

Monotonic and idempotent, so that a replay from offset 0 (a rebuild) and the live consumer
may run at the same time and in any order: a row changes only for a record with a higher
offset than the one it came from (``source_offset``); the same record again, or an older
one, changes nothing. Within a batch the last record of each code wins (``DISTINCT ON``),
as one ``INSERT … ON CONFLICT`` may touch a row only once.

Why the offset orders the records of a region: the relay publishes with key = region code,
so all records of a region are on one partition (as long as the topic keeps its partition
count; a state topic is never repartitioned: that would be a new ``.v2`` topic), in the
order the registry committed them; offsets only grow, and compaction removes older records
of a key but never reorders or renumbers the rest. What the offset cannot order: a topic
deleted and created again (offsets restart at 0, so every new record looks older than the
rows: ``kim projections check`` shows the drift, ``kim projections rebuild`` empties the
projection and replays), and an old snapshot put back on the topic by ``kim dlq replay``
(it gets a new offset and wins, in the projection as in compaction).
"""

from __future__ import annotations

from collections.abc import Sequence

from kim_shared.db import Connection
from kim_shared.events.types.registry import RegionChanged
from kim_shared.inbox import Delivered

UPSERT = """
INSERT INTO region_projection AS p
    (code, parent_code, level, type, name, postal_code, active, source_partition, source_offset)
SELECT code, parent_code, level, type, name, postal_code, active, source_partition,
       source_offset
FROM (
    SELECT DISTINCT ON (code) *
    FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::text[],
                $7::boolean[], $8::integer[], $9::bigint[])
         AS t(code, parent_code, level, type, name, postal_code, active, source_partition,
              source_offset)
    ORDER BY code, source_offset DESC
) AS incoming
ON CONFLICT (code) DO UPDATE SET
    parent_code = EXCLUDED.parent_code,
    level = EXCLUDED.level,
    type = EXCLUDED.type,
    name = EXCLUDED.name,
    postal_code = EXCLUDED.postal_code,
    active = EXCLUDED.active,
    source_partition = EXCLUDED.source_partition,
    source_offset = EXCLUDED.source_offset
WHERE p.source_offset < EXCLUDED.source_offset
"""


async def apply_regions(conn: Connection, batch: Sequence[Delivered]) -> None:
    """Upsert the batch's region snapshots, newer ones only (see the module docstring)."""
    events: list[RegionChanged] = [d.event for d in batch]
    await conn.execute(
        UPSERT,
        [e.code for e in events],
        [e.parent_code for e in events],
        [e.level for e in events],
        [e.type for e in events],
        [e.name for e in events],
        [e.postal_code for e in events],
        [e.active for e in events],
        [d.meta.partition for d in batch],
        [d.meta.offset for d in batch],
    )
