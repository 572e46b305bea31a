"""Concurrent requests cannot break the one-KIM-per-village, one-holder-per-position and
max-members rules (the village row and the KIM row are locked before counting)."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from tests.test_groups_support import (
    PONOROGO,
    Auth,
    form,
    kim_body,
    make_nik,
    member_body,
    operator,
)

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration


async def test_concurrent_formations_in_one_village_create_one_kim(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    answers = await asyncio.gather(
        *(http.post("/kim", json=kim_body(name=f"KIM Nomor {i}"), headers=op) for i in range(6))
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM kim") == 1
    formed = "SELECT count(*) FROM outbox WHERE event_type = 'kim.registry.kim.formed.v1'"
    assert await runtime.pool.fetchval(formed) == 1


async def test_concurrent_candidates_for_one_position_get_one_holder(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    answers = await asyncio.gather(
        *(
            http.post(
                f"/kim/{kim['id']}/members",
                json=member_body("ketua", serial=f"00{i + 10}"),
                headers=op,
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
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
    answers = await asyncio.gather(
        *(http.post(f"/kim/{kim['id']}/members", json=p, headers=op) for p in people)
    )
    assert sorted(r.status_code for r in answers) == [201] * 3 + [409] * 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM members") == 3
