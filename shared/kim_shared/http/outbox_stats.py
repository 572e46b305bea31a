"""How far behind the outbox relay is, and what it had to park.

Pending rows wait for the relay; parked rows can never be published as they
are (see :mod:`kim_shared.outbox.relay`) and wait for an operator
(``kim outbox list|retry``). Shared by the status endpoint and the metrics
scrape hook; each figure is read through a partial index (``outbox_ready``,
``outbox_parked``).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class OutboxSnapshot:
    pending: int
    oldest_age_s: float  # 0.0 when nothing is pending
    parked: int = 0
    oldest_parked_age_s: float = 0.0


_SNAPSHOT = """
SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL) AS pending,
       (SELECT EXTRACT(EPOCH FROM clock_timestamp() - created_at)::float8
          FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL
          ORDER BY id LIMIT 1) AS oldest_age_s,
       (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL AND sent_at IS NULL) AS parked,
       (SELECT EXTRACT(EPOCH FROM clock_timestamp() - min(parked_at))::float8
          FROM outbox WHERE parked_at IS NOT NULL AND sent_at IS NULL) AS oldest_parked_age_s
"""


async def read_outbox_snapshot(pool: asyncpg.Pool) -> OutboxSnapshot:
    row = await pool.fetchrow(_SNAPSHOT)
    assert row is not None
    return OutboxSnapshot(
        pending=int(row["pending"]),
        oldest_age_s=max(0.0, float(row["oldest_age_s"] or 0.0)),
        parked=int(row["parked"]),
        oldest_parked_age_s=max(0.0, float(row["oldest_parked_age_s"] or 0.0)),
    )
