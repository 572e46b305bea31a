"""Parked outbox rows: rows the relay could not publish as they are (too large, topic
missing or forbidden). Listing them and releasing them back to the relay once the cause is
fixed (the topic created, the ACL granted) is what ``kim outbox list|retry`` does.

A released row keeps its ``attempts``: if the broker refused it before, the relay sends it
alone again, so a row that still cannot go is parked again without dragging others along.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from kim_shared.db.pool import Connection
from kim_shared.outbox.relay import CHANNEL

_LIST = """
SELECT o.id, o.event_id, o.topic, o.key, o.event_type, octet_length(o.payload) AS size,
       o.attempts, o.last_error, o.created_at, o.parked_at,
       (SELECT count(*) FROM outbox w
         WHERE w.sent_at IS NULL AND w.parked_at IS NULL
           AND w.topic = o.topic AND w.key = o.key AND w.id > o.id) AS waiting
FROM outbox o
WHERE o.parked_at IS NOT NULL AND o.sent_at IS NULL
ORDER BY o.id
"""
_RELEASE_ALL = """
UPDATE outbox SET parked_at = NULL WHERE parked_at IS NOT NULL AND sent_at IS NULL RETURNING id
"""
_RELEASE = """
UPDATE outbox SET parked_at = NULL
WHERE parked_at IS NOT NULL AND sent_at IS NULL AND id = ANY($1::bigint[])
RETURNING id
"""


@dataclass(frozen=True)
class ParkedRow:
    id: int
    event_id: str
    topic: str
    key: str
    event_type: str
    size: int
    attempts: int
    last_error: str
    created_at: datetime
    parked_at: datetime
    waiting: int  # later rows of the same topic and key held back behind this one


async def list_parked(conn: Connection) -> list[ParkedRow]:
    rows = await conn.fetch(_LIST)
    return [
        ParkedRow(
            id=r["id"],
            event_id=str(r["event_id"]),
            topic=r["topic"],
            key=r["key"],
            event_type=r["event_type"],
            size=r["size"],
            attempts=r["attempts"],
            last_error=r["last_error"] or "",
            created_at=r["created_at"],
            parked_at=r["parked_at"],
            waiting=r["waiting"],
        )
        for r in rows
    ]


async def release_parked(conn: Connection, ids: Collection[int] | None = None) -> list[int]:
    """Hand parked rows (all, or ``ids``) back to the relay and wake it; return their ids."""
    async with conn.transaction():
        if ids is None:
            rows = await conn.fetch(_RELEASE_ALL)
        else:
            rows = await conn.fetch(_RELEASE, list(ids))
        if rows:
            await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return sorted(r["id"] for r in rows)
