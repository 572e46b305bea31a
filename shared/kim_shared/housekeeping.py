"""Tables that would only grow: what a service deletes on a schedule, and why that late.

* ``outbox``: rows sent more than :data:`OUTBOX_KEEP_SENT` ago (a week, for
  looking into what was published; the broker has the events). Unsent and
  parked rows are never purged.
* ``inbox``: rows processed more than :func:`inbox_window` ago. The inbox row is
  what makes a redelivered event harmless, so it must outlive every redelivery
  the platform supports: a fact topic keeps an event for its retention (a group
  reset to the earliest offset replays all of it), and a dead letter of it can
  be replayed for as long as the dead-letter topic keeps it. The window is the
  longest fact retention plus the longest dead-letter retention of the
  catalogue, plus a week of margin (30 + 90 + 7 = 127 days today). Events on
  compacted state topics (kept forever) can be replayed after their inbox rows
  are gone; projections of state apply snapshots, so a replay is harmless.
* ``idempotency_keys``: expired keys (:func:`purge_idempotency_keys`).

Deletes run in chunks (short transactions, no long lock or vacuum horizon) and
find old rows through ``outbox_sent_at`` / ``inbox_processed_at``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from kim_shared.db.pool import Connection
from kim_shared.events.topics import CATALOGUE, TopicSpec
from kim_shared.http.idempotency import purge_idempotency_keys

log = logging.getLogger(__name__)

OUTBOX_KEEP_SENT = timedelta(days=7)
MARGIN = timedelta(days=7)
CHUNK = 5000

PURGE_OUTBOX = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE sent_at < now() - $1::interval LIMIT $2
)
"""
PURGE_INBOX = """
DELETE FROM inbox WHERE (consumer, event_id) IN (
    SELECT consumer, event_id FROM inbox WHERE processed_at < now() - $1::interval LIMIT $2
)
"""


def inbox_window(catalogue: tuple[TopicSpec, ...] = CATALOGUE) -> timedelta:
    """How long inbox rows are kept: longest fact retention + longest DLQ retention + margin."""
    facts = [s.retention_ms for s in catalogue if s.retention_ms is not None]
    dead = [s.dlq.retention_ms for s in catalogue if s.dlq.retention_ms is not None]
    longest_ms = max(facts, default=0) + max(dead, default=0)
    return timedelta(milliseconds=longest_ms) + MARGIN


async def _purge(conn: Connection, statement: str, older_than: timedelta) -> int:
    total = 0
    while True:
        status = await conn.execute(statement, older_than, CHUNK)
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < CHUNK:
            return total


async def purge_outbox(conn: Connection, older_than: timedelta = OUTBOX_KEEP_SENT) -> int:
    """Delete outbox rows sent before ``older_than`` ago; return how many."""
    return await _purge(conn, PURGE_OUTBOX, older_than)


async def purge_inbox(conn: Connection, older_than: timedelta | None = None) -> int:
    """Delete inbox rows processed before ``older_than`` (default :func:`inbox_window`) ago."""
    return await _purge(conn, PURGE_INBOX, older_than or inbox_window())


async def housekeeping(pool: asyncpg.Pool, every_s: float = 3600.0) -> None:
    """Run the purges now and then every ``every_s`` seconds, until cancelled."""
    while True:
        try:
            async with pool.acquire() as conn:
                counts = {
                    "idempotency keys": await purge_idempotency_keys(conn),
                    "sent outbox rows": await purge_outbox(conn),
                    "inbox rows": await purge_inbox(conn),
                }
            done = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            if done:
                log.info("housekeeping purged %s", done)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("housekeeping skipped: %s", exc)
        await asyncio.sleep(every_s)


__all__ = [
    "OUTBOX_KEEP_SENT",
    "housekeeping",
    "inbox_window",
    "purge_inbox",
    "purge_outbox",
]
