"""KIM lifecycle: transitions with their events and history, invalid ones, activation
requirements."""

from __future__ import annotations

import httpx
import pytest
from tests.test_groups_support import (
    PONOROGO,
    TUGUREJO,
    Auth,
    add,
    assert_no_personal_data,
    counts,
    form,
    kim_events,
    member_body,
    operator,
    set_status,
    staff_the_officers,
)

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration


async def test_lifecycle_with_its_events_and_history(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    kim_id = kim["id"]
    officers = await staff_the_officers(http, kim_id, op)

    r = await set_status(http, kim_id, op, "aktif")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "aktif"
    assert r.headers["ETag"] == '"2"'
    r = await set_status(http, kim_id, op, "tidak_aktif", "Tidak ada berita sejak Januari")
    assert r.status_code == 200, r.text
    r = await set_status(http, kim_id, op, "aktif", "Pengurus baru aktif lagi")
    assert r.status_code == 200, r.text
    r = await set_status(http, kim_id, op, "dibubarkan", "Digabung dengan KIM kecamatan")
    assert r.status_code == 200, r.text
    dissolved = r.json()
    assert dissolved["status"] == "dibubarkan"
    assert dissolved["members"] == [], "dissolving ends every membership"

    history = (await http.get(f"/kim/{kim_id}/history", headers=op)).json()
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        (None, "calon", None),
        ("calon", "aktif", None),
        ("aktif", "tidak_aktif", "Tidak ada berita sejak Januari"),
        ("tidak_aktif", "aktif", "Pengurus baru aktif lagi"),
        ("aktif", "dibubarkan", "Digabung dengan KIM kecamatan"),
    ]
    assert {h["changed_by"] for h in history} == {"op-ponorogo"}

    events = await kim_events(runtime, kim_id)
    types = [e["type"].split(".")[3] for e in events]
    assert types == [
        "formed",
        *["member_joined"] * 3,
        *["status_changed"] * 4,
        *["member_left"] * 3,
    ]
    changes = [e["data"] for e in events if e["type"].endswith("status_changed.v1")]
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("calon", "aktif"),
        ("aktif", "tidak_aktif"),
        ("tidak_aktif", "aktif"),
        ("aktif", "dibubarkan"),
    ]
    assert all(c["changed_by"] == "op-ponorogo" and c["changed_at"] for c in changes)
    assert all(c["village_code"] == TUGUREJO for c in changes)
    left = [e["data"] for e in events if e["type"].endswith("member_left.v1")]
    assert {m["member_id"] for m in left} == {o["id"] for o in officers}
    assert all(m["reason"] == "Digabung dengan KIM kecamatan" for m in left)
    assert all(e["kabupaten"] == PONOROGO for e in events)
    assert_no_personal_data(events)
    ended = await runtime.pool.fetchval(
        "SELECT count(*) FROM members WHERE kim_id = $1 AND left_on IS NOT NULL", kim["id"]
    )
    assert ended == 3


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "tidak_aktif", "A KIM in status 'calon' cannot move to 'tidak_aktif'"),
        ([], "calon", "The KIM is already 'calon'"),
        (["aktif"], "calon", "A KIM in status 'aktif' cannot move to 'calon'"),
        (["aktif"], "aktif", "The KIM is already 'aktif'"),
        (["aktif", "tidak_aktif"], "calon", "'tidak_aktif' cannot move to 'calon'"),
        (["dibubarkan"], "aktif", "The KIM is dissolved ('dibubarkan'), which is final"),
        (["aktif", "dibubarkan"], "tidak_aktif", "which is final"),
    ],
)
async def test_invalid_transitions_are_409_and_change_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    path: list[str],
    target: str,
    message: str,
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    await staff_the_officers(http, kim["id"], op)
    for step in path:
        r = await set_status(http, kim["id"], op, step, "alasan")
        assert r.status_code == 200, r.text
    before = await counts(runtime)
    r = await set_status(http, kim["id"], op, target, "alasan")
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("/invalid-transition")
    assert message in problem["detail"]
    assert await counts(runtime) == before


@pytest.mark.parametrize("target", ["tidak_aktif", "dibubarkan"])
async def test_dormancy_and_dissolution_need_a_reason(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult, target: str
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    await staff_the_officers(http, kim["id"], op)
    assert (await set_status(http, kim["id"], op, "aktif")).status_code == 200
    before = await counts(runtime)
    expected = f"A reason is required to move a KIM to '{target}'"
    for reason, message in ((None, expected), ("   ", "body.reason")):
        r = await set_status(http, kim["id"], op, target, reason)
        assert r.status_code == 422, r.text
        assert message in r.json()["detail"]
    assert await counts(runtime) == before


async def test_activation_needs_the_required_officers(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    await add(http, kim["id"], op, member_body("ketua"))
    before = await counts(runtime)
    r = await set_status(http, kim["id"], op, "aktif")
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert r.json()["type"].endswith("/activation-requirements")
    assert "required position(s) sekretaris, bendahara" in detail
    assert "1 current member(s) but needs at least 3" in detail
    assert await counts(runtime) == before
    assert (await http.get(f"/kim/{kim['id']}")).json()["status"] == "calon"


async def test_activation_needs_the_kabupaten_minimum_of_members(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    rules = {
        "max_kim_per_village": 1,
        "required_positions": ["ketua"],
        "min_members": 4,
        "max_members": 50,
        "dormant_after_days": 90,
    }
    r = await http.put(
        f"/kabupaten/{PONOROGO}/rules", json=rules, headers={**op, "If-Match": '"0"'}
    )
    assert r.status_code == 200, r.text
    kim = await form(http, op)
    await staff_the_officers(http, kim["id"], op)
    r = await set_status(http, kim["id"], op, "aktif")
    assert r.status_code == 409
    assert "3 current member(s) but needs at least 4" in r.json()["detail"]
    assert "required position" not in r.json()["detail"]
    await add(http, kim["id"], op, member_body("anggota", serial="0009"))
    assert (await set_status(http, kim["id"], op, "aktif")).status_code == 200


async def test_reasons_in_events_have_personal_data_masked(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    reason = "Ditolak: Pak Budi Santoso sudah ketua KIM lain, HP 081298765432"
    r = await set_status(http, kim["id"], op, "dibubarkan", reason)
    assert r.status_code == 200, r.text
    assert r.json()["status_history"][-1]["reason"] == reason, "staff keep the full reason"
    changed = (await kim_events(runtime, kim["id"]))[-1]
    assert changed["type"] == "kim.registry.kim.status_changed.v1"
    assert "081298765432" not in changed["raw"]
    assert "Budi Santoso" not in changed["raw"]
    assert "[PHONE_1]" in changed["data"]["reason"]


async def test_a_dissolved_kim_is_read_only(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    r = await set_status(http, kim["id"], op, "dibubarkan", "Usulan ditolak")
    etag = r.headers["ETag"]
    before = await counts(runtime)
    r = await http.patch(
        f"/kim/{kim['id']}", json={"name": "Baru"}, headers={**op, "If-Match": etag}
    )
    assert r.status_code == 409
    assert "dissolved" in r.json()["detail"]
    r = await http.post(f"/kim/{kim['id']}/members", json=member_body("ketua"), headers=op)
    assert r.status_code == 409
    assert await counts(runtime) == before
