"""Housekeeping: sent outbox rows and old inbox rows are purged on their windows, through
their indexes; nothing a redelivery or the relay still needs is touched."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from kim_shared.events.topics import CATALOGUE, DAY_MS
from kim_shared.housekeeping import (
    OUTBOX_KEEP_SENT,
    PURGE_INBOX,
    PURGE_OUTBOX,
    inbox_window,
    purge_inbox,
    purge_outbox,
)

pytestmark = pytest.mark.integration


async def add_outbox(pool: asyncpg.Pool, n: int, *, sent_ago: timedelta | None, parked=False):
    await pool.executemany(
        "INSERT INTO outbox (event_id, topic, key, event_type, payload, sent_at, parked_at)"
        " VALUES ($1, 'kim.test.v1', 'k', 'kim.test.x.v1', '\\x00'::bytea,"
        " now() - $2::interval, CASE WHEN $3 THEN now() - interval '200 days' END)",
        [(uuid.uuid4(), sent_ago, parked) for _ in range(n)],
    )


async def add_inbox(pool: asyncpg.Pool, n: int, *, processed_ago: timedelta) -> None:
    await pool.executemany(
        "INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition,"
        " kafka_offset, processed_at) VALUES ('c', $1, 'kim.test.x.v1', 't', 0, 0,"
        " now() - $2::interval)",
        [(uuid.uuid4(), processed_ago) for _ in range(n)],
    )


def test_inbox_rows_outlive_every_replay_the_platform_supports() -> None:
    window = inbox_window()
    for spec in CATALOGUE:
        if spec.retention_ms is None:
            continue  # state topics: replays re-apply snapshots (see kim_shared.housekeeping)
        longest_replay = timedelta(milliseconds=spec.retention_ms + (spec.dlq.retention_ms or 0))
        assert window > longest_replay, spec.name
    assert window >= timedelta(milliseconds=(30 + 90) * DAY_MS)


async def test_purges_delete_only_rows_past_their_window(kit_pool: asyncpg.Pool) -> None:
    await add_outbox(kit_pool, 3, sent_ago=OUTBOX_KEEP_SENT + timedelta(hours=1))
    await add_outbox(kit_pool, 2, sent_ago=OUTBOX_KEEP_SENT - timedelta(hours=1))
    await add_outbox(kit_pool, 1, sent_ago=None)  # unsent
    await add_outbox(kit_pool, 1, sent_ago=None, parked=True)  # parked for months
    window = inbox_window()
    await add_inbox(kit_pool, 4, processed_ago=window + timedelta(days=1))
    await add_inbox(kit_pool, 2, processed_ago=window - timedelta(days=1))

    async with kit_pool.acquire() as conn:
        assert await purge_outbox(conn) == 3
        assert await purge_inbox(conn) == 4
        assert await purge_outbox(conn) == 0
        assert await purge_inbox(conn) == 0
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox") == 4
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 2
    assert await kit_pool.fetchval("SELECT count(*) FROM inbox") == 2


async def test_purges_find_old_rows_through_their_indexes(kit_pool: asyncpg.Pool) -> None:
    # A realistic shape: many recent rows, a few old ones, statistics up to date.
    await add_outbox(kit_pool, 20_000, sent_ago=timedelta(hours=1))
    await add_outbox(kit_pool, 50, sent_ago=timedelta(days=30))
    await add_inbox(kit_pool, 20_000, processed_ago=timedelta(days=1))
    await add_inbox(kit_pool, 50, processed_ago=timedelta(days=400))
    await kit_pool.execute("ANALYZE outbox; ANALYZE inbox")

    async def plan(statement: str, *args: object) -> str:
        rows = await kit_pool.fetch("EXPLAIN " + statement, *args)
        return "\n".join(r[0] for r in rows)

    outbox_plan = await plan(PURGE_OUTBOX, OUTBOX_KEEP_SENT, 5000)
    inbox_plan = await plan(PURGE_INBOX, inbox_window(), 5000)
    assert "outbox_sent_at" in outbox_plan, outbox_plan
    assert "Seq Scan" not in outbox_plan, outbox_plan
    assert "inbox_processed_at" in inbox_plan, inbox_plan
    assert "Seq Scan" not in inbox_plan, inbox_plan
