"""Concurrent requests cannot break the one-KIM-per-village, one-holder-per-position and
max-members rules (the village row and the KIM row are locked before counting).

Concurrency that only may happen proves nothing, so every test here makes its requests
overlap for certain: a separate connection holds the table they write to in SHARE mode
(reads pass, writes wait), the test waits until every request is blocked on a lock in
PostgreSQL, and only then lets go. With the handlers' row locks, one request reaches the
write while the others wait for the row and then see its result: they fail with the rule's
own problem. Without them, every request passes its checks, and either all of them write
or the unique index turns the losers into a generic ``duplicate``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from kim_devstack.testing import eventually
from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    PONOROGO,
    Auth,
    form,
    kim_body,
    make_nik,
    member_body,
    operator,
)

pytestmark = pytest.mark.integration

Request = Coroutine[Any, Any, httpx.Response]


async def overlapping(
    runtime: Runtime, table: str, requests: list[Request]
) -> list[httpx.Response]:
    """Run ``requests`` so that all of them are in flight at once (see the module doc)."""
    dsn = runtime.settings.database_url
    blocker, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    tasks: list[asyncio.Task[httpx.Response]] = []
    try:
        hold = blocker.transaction()
        await hold.start()
        await blocker.execute(f"LOCK TABLE {table} IN SHARE MODE")
        tasks = [asyncio.create_task(r) for r in requests]

        async def all_blocked() -> bool:
            done = [t.result().status_code for t in tasks if t.done()]
            assert not done, f"requests answered {done} before all of them were in flight"
            waiting: int = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return waiting == len(tasks)

        try:
            await eventually(all_blocked, within=30, what=f"{len(tasks)} requests to block")
        finally:
            await hold.rollback()
        return list(await asyncio.gather(*tasks))
    finally:
        await asyncio.gather(*tasks, return_exceptions=True)
        await blocker.close()
        await watcher.close()


def problem_types(answers: list[httpx.Response]) -> list[str]:
    """The problem type slug of every 409 (``…/problems/<slug>``)."""
    return [r.json()["type"].rsplit("/", 1)[-1] for r in answers if r.status_code == 409]


async def test_concurrent_formations_in_one_village_create_one_kim(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    answers = await overlapping(
        runtime,
        "kim",
        [http.post("/kim", json=kim_body(name=f"KIM Nomor {i}"), headers=op) for i in range(6)],
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert problem_types(answers) == ["village-has-kim"] * 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM kim") == 1
    formed = "SELECT count(*) FROM outbox WHERE event_type = 'kim.registry.kim.formed.v1'"
    assert await runtime.pool.fetchval(formed) == 1


async def test_concurrent_candidates_for_one_position_get_one_holder(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    answers = await overlapping(
        runtime,
        "members",
        [
            http.post(
                f"/kim/{kim['id']}/members",
                json=member_body("ketua", serial=f"00{i + 10}"),
                headers=op,
            )
            for i in range(6)
        ],
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    # The handler's check under the KIM-row lock answers, not the unique index ("duplicate").
    assert problem_types(answers) == ["position-taken"] * 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM members") == 1


async def test_concurrent_additions_respect_max_members(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    rules = {
        "max_kim_per_village": 1,
        "required_positions": [],
        "min_members": 1,
        "max_members": 3,
        "dormant_after_days": 180,
    }
    r = await http.put(
        f"/kabupaten/{PONOROGO}/rules", json=rules, headers={**op, "If-Match": '"0"'}
    )
    assert r.status_code == 200, r.text
    kim = await form(http, op)
    people = [
        member_body("anggota", nik=make_nik(date_of_birth, serial="0001"))
        for date_of_birth in (date(1990, 1, d) for d in range(1, 9))
    ]
    answers = await overlapping(
        runtime,
        "members",
        [http.post(f"/kim/{kim['id']}/members", json=p, headers=op) for p in people],
    )
    assert sorted(r.status_code for r in answers) == [201] * 3 + [409] * 5
    assert problem_types(answers) == ["members-full"] * 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM members") == 3
