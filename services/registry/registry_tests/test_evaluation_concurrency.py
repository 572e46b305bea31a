"""Jury score sheets under concurrent writers: the version check holds when the sheet does
not exist yet (two first saves with ``If-Match: "0"``), so no jury's scores are lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import httpx
import pytest

from kim_devstack.testing import eventually
from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_evaluation_flow import create_period, insert_kim

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]


async def lock_waiters(conn: asyncpg.Connection, db: str) -> int:
    """Backends of this database waiting on a lock (our requests, parked)."""
    n: int = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        db,
    )
    return n


async def test_two_first_score_sheets_one_wins_the_other_is_412(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """Both requests read "no sheet yet" (version 0) before either commits: a lock held on
    jury_scores from another connection parks the first after it created the sheet row and
    the second on that row's key, then lets both go. The second must answer 412 and leave
    the first jury's scores in place (before the fix it replaced them silently)."""
    juri_a = auth("operator_kabupaten", region="35.02", sub="juri-a")
    juri_b = auth("operator_kabupaten", region="35.02", sub="juri-b")
    kim_id = await insert_kim(runtime, "35.02.01.2001", "KIM Tugu")
    period = (await create_period(http, juri_a)).json()
    url = f"/evaluation-periods/{period['id']}/kim/{kim_id}/scores"
    first_criterion = next(c["key"] for c in period["criteria"] if c["source"] == "jury")

    dsn = runtime.settings.database_url
    db = dsn.rsplit("/", 1)[-1]
    blocker = await asyncpg.connect(dsn)
    watcher = await asyncpg.connect(dsn)  # outside any transaction: activity is read live
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE jury_scores IN SHARE MODE")  # writes wait

        async def put(headers: dict[str, str], score: float) -> httpx.Response:
            return await http.put(
                url,
                json={"scores": {first_criterion: score}},
                headers={**headers, "If-Match": '"0"'},
            )

        a = asyncio.create_task(put(juri_a, 70.0))
        b = asyncio.create_task(put(juri_b, 90.0))

        async def both_parked() -> bool:
            assert not a.done(), "a request finished before the other started"
            assert not b.done(), "a request finished before the other started"
            return await lock_waiters(watcher, db) >= 2

        await eventually(both_parked, within=20, what="both score writes waiting on locks")
        await tx.rollback()
        ra, rb = await asyncio.gather(a, b)
    finally:
        await blocker.close()
        await watcher.close()

    assert sorted([ra.status_code, rb.status_code]) == [200, 412], (ra.text, rb.text)
    winner, loser = (ra, rb) if ra.status_code == 200 else (rb, ra)
    assert loser.headers["ETag"] == '"1"'
    assert loser.json()["type"].endswith("/precondition-failed")
    sheet = await http.get(url, headers=juri_a)
    assert sheet.headers["ETag"] == '"1"'
    expected = 70.0 if winner is ra else 90.0
    assert sheet.json()["scores"] == winner.json()["scores"] == {first_criterion: expected}
    scored_by = await runtime.pool.fetchval("SELECT scored_by FROM jury_scores")
    assert scored_by == ("juri-a" if winner is ra else "juri-b")
