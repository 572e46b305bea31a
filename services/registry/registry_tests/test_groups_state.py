"""The KIM state topic: every change of a KIM or its memberships publishes the KIM's whole
state (status, village, roster of member ids, positions, login subjects, terms; no personal
data) on the compacted ``kim.registry.kim_state.v1``, so that a service deployed later can
rebuild every KIM from the last record per key."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kim_devstack.testing import eventually
from kim_registry.regions.importer import ImportResult
from kim_shared.events.topics import REGISTRY_KIM_STATE
from kim_shared.kafka import read_topic
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    TUGUREJO,
    Auth,
    add,
    form,
    member_body,
    operator,
    set_status,
    staff_the_officers,
)

pytestmark = pytest.mark.integration


async def staged_states(runtime: Runtime, kim_id: str) -> list[dict[str, Any]]:
    rows = await runtime.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id",
        REGISTRY_KIM_STATE.name,
        kim_id,
    )
    return [json.loads(r["payload"]) for r in rows]


async def test_every_change_publishes_the_whole_state(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    officers = await staff_the_officers(http, kim["id"], op)
    anggota = await add(http, kim["id"], op, member_body("anggota", serial="0009"))
    assert (await set_status(http, kim["id"], op, "aktif")).status_code == 200
    r = await http.post(
        f"/kim/{kim['id']}/members/{anggota['id']}/end",
        json={"reason_code": "mengundurkan_diri"},
        headers=op,
    )
    assert r.status_code == 200, r.text

    states = await staged_states(runtime, kim["id"])
    # formed, 3 officers + 1 anggota joined, activated, 1 ended: 7 changes, 7 snapshots
    assert [s["data"]["revision"] for s in states] == list(range(1, 8))
    assert [s["data"]["status"] for s in states] == ["calon"] * 5 + ["aktif"] * 2
    assert [len(s["data"]["roster"]) for s in states] == [0, 1, 2, 3, 4, 4, 3]
    last = states[-1]
    assert last["type"] == "kim.registry.kim_state.changed.v1"
    assert last["subject"] == kim["id"]
    assert last["kabupaten"] == "35.02"
    data = last["data"]
    assert (data["village_code"], data["kecamatan_code"], data["kabupaten_code"]) == (
        TUGUREJO,
        "35.02.01",
        "35.02",
    )
    assert data["roster"] == [
        {
            "member_id": o["id"],
            "position": o["position"],
            "user_subject": o["user_subject"],
            "term_start": o["term_start"],
            "term_end": None,
        }
        for o in officers
    ]
    raw = json.dumps(states)
    for o in [*officers, anggota]:
        for personal in (o["nik"], o["full_name"], o["phone"]):
            assert personal not in raw


async def test_a_dissolved_kim_keeps_its_last_state_on_the_compacted_topic(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """Read back from the broker, last record per key: what a new subscriber rebuilds."""
    op = operator(auth)
    kim = await form(http, op)
    await staff_the_officers(http, kim["id"], op)
    assert (await set_status(http, kim["id"], op, "aktif")).status_code == 200
    r = await set_status(http, kim["id"], op, "dibubarkan", code="digabung")
    assert r.status_code == 200, r.text
    staged = len(await staged_states(runtime, kim["id"]))
    bootstrap = runtime.settings.kafka_bootstrap_servers

    async def published() -> list[dict[str, Any]]:
        records = await read_topic(bootstrap, REGISTRY_KIM_STATE.name)
        return [
            json.loads(r.value or b"")
            for r in records
            if r.key is not None and r.key.decode() == kim["id"]
        ]

    async def all_published() -> bool:
        return len(await published()) == staged

    await eventually(all_published, within=60, what="the KIM's snapshots on the state topic")
    final = (await published())[-1]["data"]
    assert (final["status"], final["roster"], final["revision"]) == ("dibubarkan", [], staged)
