"""``kim outbox list|retry`` against a service database with parked rows."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from kim_shared.cli import main

pytestmark = pytest.mark.integration


async def stage(pool: asyncpg.Pool, key: str, *, parked: bool, error: str = "") -> int:
    row_id: int = await pool.fetchval(
        "INSERT INTO outbox (event_id, topic, key, event_type, payload, attempts, last_error,"
        " parked_at) VALUES ($1, 'kim.registry.kim.v1', $2, 'kim.registry.kim.formed.v1',"
        " '\\x7b7d'::bytea, $3, $4, CASE WHEN $5 THEN now() END) RETURNING id",
        uuid.uuid4(),
        key,
        1 if parked else 0,
        error or None,
        parked,
    )
    return row_id


async def test_list_shows_parked_rows_and_retry_hands_them_back(
    kit_pool: asyncpg.Pool, fresh_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    big = await stage(kit_pool, "kim-1", parked=True, error="RecordRefused: 1100280 bytes")
    await stage(kit_pool, "kim-1", parked=False)  # waits behind it
    gone = await stage(kit_pool, "kim-2", parked=True, error="TopicUnavailable: no such topic")
    await stage(kit_pool, "kim-3", parked=False)
    db = ["--database-url", fresh_db]

    assert await asyncio.to_thread(main, ["outbox", "list", *db]) == 0
    listed = capsys.readouterr().out
    assert f"#{big}  kim.registry.kim.v1  kunci=kim-1" in listed
    assert "RecordRefused: 1100280 bytes" in listed
    assert "1 event kunci yang sama menunggu di belakangnya" in listed
    assert f"#{gone}" in listed
    assert "2 event ditahan (parked) di outbox." in listed

    assert await asyncio.to_thread(main, ["outbox", "retry", *db]) == 2
    assert "Sebutkan --id N" in capsys.readouterr().out

    assert await asyncio.to_thread(main, ["outbox", "retry", "--id", str(gone), *db]) == 0
    assert f"dilepas: #{gone}" in capsys.readouterr().out
    parked = await kit_pool.fetch("SELECT id FROM outbox WHERE parked_at IS NOT NULL")
    assert [r["id"] for r in parked] == [big]

    assert await asyncio.to_thread(main, ["outbox", "retry", "--id", str(gone), *db]) == 1
    assert f"tidak ditahan (sudah terkirim, sudah dilepas, atau tidak ada): #{gone}" in (
        capsys.readouterr().out
    )
    assert await asyncio.to_thread(main, ["outbox", "retry", "--all", *db]) == 0
    assert "1 event dikembalikan ke relay outbox" in capsys.readouterr().out
    assert await kit_pool.fetchval("SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL") == 0
