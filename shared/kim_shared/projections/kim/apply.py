"""The batch handler of the KIM projection: one statement per batch.

Monotonic and idempotent by ``revision`` (the registry numbers every snapshot of a KIM):
a KIM's row and roster are replaced only by a higher revision; the same or an older one
(a redelivery, a replayed dead letter, a rebuild running beside the live consumer) changes
nothing. Within a batch the highest revision of each KIM wins, and a snapshot that came
twice (the same record published twice) counts once (``DISTINCT ON``).

One statement does it all with data-modifying CTEs: ``applied`` upserts the KIM rows and
returns those it changed; for exactly those KIM, ``ended`` deletes the members no longer on
the roster and the final ``INSERT … ON CONFLICT`` writes the roster's members. The delete
and the upsert touch disjoint rows (members off the roster / on it), as PostgreSQL requires
of sub-statements that run on one snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

from kim_shared.db import Connection
from kim_shared.events.types.registry import KimStateChanged
from kim_shared.inbox import Delivered

UPSERT = """
WITH incoming AS (
    SELECT DISTINCT ON (kim_id) *
    FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::date[])
         AS t(kim_id, revision, name, status, village_code, kecamatan_code, kabupaten_code,
              founded_on)
    ORDER BY kim_id, revision DESC
),
applied AS (
    INSERT INTO kim_projection AS p
        (kim_id, revision, name, status, village_code, kecamatan_code, kabupaten_code,
         founded_on)
    SELECT kim_id, revision, name, status, village_code, kecamatan_code, kabupaten_code,
           founded_on
    FROM incoming
    ON CONFLICT (kim_id) DO UPDATE SET
        revision = EXCLUDED.revision,
        name = EXCLUDED.name,
        status = EXCLUDED.status,
        village_code = EXCLUDED.village_code,
        kecamatan_code = EXCLUDED.kecamatan_code,
        kabupaten_code = EXCLUDED.kabupaten_code,
        founded_on = EXCLUDED.founded_on
    WHERE p.revision < EXCLUDED.revision
    RETURNING kim_id, revision
),
roster AS (
    SELECT DISTINCT ON (r.kim_id, r.member_id)
           r.kim_id, r.member_id, r.position, r.user_subject, r.term_start, r.term_end
    FROM unnest($9::uuid[], $10::bigint[], $11::uuid[], $12::text[], $13::text[], $14::date[],
                $15::date[])
         AS r(kim_id, revision, member_id, position, user_subject, term_start, term_end)
    JOIN applied a ON a.kim_id = r.kim_id AND a.revision = r.revision
),
ended AS (
    DELETE FROM kim_member_projection m
    USING applied a
    WHERE m.kim_id = a.kim_id
      AND NOT EXISTS (
          SELECT 1 FROM roster r WHERE r.kim_id = m.kim_id AND r.member_id = m.member_id
      )
)
INSERT INTO kim_member_projection AS m
    (kim_id, member_id, position, user_subject, term_start, term_end)
SELECT kim_id, member_id, position, user_subject, term_start, term_end FROM roster
ON CONFLICT (kim_id, member_id) DO UPDATE SET
    position = EXCLUDED.position,
    user_subject = EXCLUDED.user_subject,
    term_start = EXCLUDED.term_start,
    term_end = EXCLUDED.term_end
"""


async def apply_kim(conn: Connection, batch: Sequence[Delivered]) -> None:
    """Replace each KIM's row and roster with the batch's newer snapshots (see above)."""
    events: list[KimStateChanged] = [d.event for d in batch]
    entries = [(e, m) for e in events for m in e.roster]
    await conn.execute(
        UPSERT,
        [e.kim_id for e in events],
        [e.revision for e in events],
        [e.name for e in events],
        [e.status for e in events],
        [e.village_code for e in events],
        [e.kecamatan_code for e in events],
        [e.kabupaten_code for e in events],
        [e.founded_on for e in events],
        [e.kim_id for e, _ in entries],
        [e.revision for e, _ in entries],
        [m.member_id for _, m in entries],
        [m.position for _, m in entries],
        [m.user_subject for _, m in entries],
        [m.term_start for _, m in entries],
        [m.term_end for _, m in entries],
    )
