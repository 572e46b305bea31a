"""How far behind the outbox relay is: pending rows and the age of the oldest.

Shared by the readiness check and the metrics scrape hook.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class OutboxSnapshot:
    pending: int
    oldest_age_s: float  # 0.0 when nothing is pending


async def read_outbox_snapshot(pool: asyncpg.Pool) -> OutboxSnapshot:
    """Count unsent rows; the oldest is found through the ``outbox_pending`` index."""
    row = await pool.fetchrow(
        """
        SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL) AS pending,
               (SELECT EXTRACT(EPOCH FROM clock_timestamp() - created_at)::float8
                  FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1) AS oldest_age_s
        """
    )
    assert row is not None
    return OutboxSnapshot(int(row["pending"]), max(0.0, float(row["oldest_age_s"] or 0.0)))
