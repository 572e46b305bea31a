"""KIM lifecycle: transitions with their events and history, invalid ones, activation
requirements."""

from __future__ import annotations

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
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
    r = await set_status(
        http, kim_id, op, "tidak_aktif", "Tidak ada berita sejak Januari", code="tidak_ada_kegiatan"
    )
    assert r.status_code == 200, r.text
    r = await set_status(
        http, kim_id, op, "aktif", "Pengurus baru aktif lagi", code="memenuhi_syarat"
    )
    assert r.status_code == 200, r.text
    r = await set_status(
        http, kim_id, op, "dibubarkan", "Digabung dengan KIM kecamatan", code="digabung"
    )
    assert r.status_code == 200, r.text
    dissolved = r.json()
    assert dissolved["status"] == "dibubarkan"
    assert dissolved["members"] == [], "dissolving ends every membership"

    history = (await http.get(f"/kim/{kim_id}/history", headers=op)).json()
    assert [(h["from_status"], h["to_status"], h["reason_code"], h["reason"]) for h in history] == [
        (None, "calon", None, None),
        ("calon", "aktif", None, None),
        ("aktif", "tidak_aktif", "tidak_ada_kegiatan", "Tidak ada berita sejak Januari"),
        ("tidak_aktif", "aktif", "memenuhi_syarat", "Pengurus baru aktif lagi"),
        ("aktif", "dibubarkan", "digabung", "Digabung dengan KIM kecamatan"),
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
    assert [(c["from_status"], c["to_status"], c["reason_code"]) for c in changes] == [
        ("calon", "aktif", None),
        ("aktif", "tidak_aktif", "tidak_ada_kegiatan"),
        ("tidak_aktif", "aktif", "memenuhi_syarat"),
        ("aktif", "dibubarkan", "digabung"),
    ]
    assert all(c.get("reason") is None for c in changes), "free text is never published"
    assert all(c["changed_by"] == "op-ponorogo" and c["changed_at"] for c in changes)
    assert all(c["village_code"] == TUGUREJO for c in changes)
    left = [e["data"] for e in events if e["type"].endswith("member_left.v1")]
    assert {m["member_id"] for m in left} == {o["id"] for o in officers}
    assert all(m["reason_code"] == "kim_dibubarkan" and m.get("reason") is None for m in left)
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
        r = await set_status(http, kim["id"], op, step, code="lainnya")
        assert r.status_code == 200, r.text
    before = await counts(runtime)
    r = await set_status(http, kim["id"], op, target, code="lainnya")
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
    expected = f"A reason code is required to move a KIM to '{target}'"
    for reason, code, message in (
        (None, None, expected),
        ("Tidak ada kegiatan", None, expected),  # a note alone is not a reason code
        ("   ", "lainnya", "body.reason"),
        (None, "alasan_lain", "body.reason_code"),  # not in the closed list
    ):
        r = await set_status(http, kim["id"], op, target, reason, code=code)
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


async def test_only_reason_codes_are_published_the_words_stay_in_the_registry(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """Text that PII detection cannot catch ("Ketua Budi pindah ke Surabaya", an e-mail)
    must not reach other agencies: events carry the code only, on every topic."""
    op = operator(auth)
    kim = await form(http, op)
    [ketua, *_] = await staff_the_officers(http, kim["id"], op)
    leave_note = "Ketua Budi pindah ke Surabaya, surel budi.s@contoh.id"
    r = await http.post(
        f"/kim/{kim['id']}/members/{ketua['id']}/end",
        json={"reason_code": "pindah_domisili", "reason": leave_note},
        headers=op,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["left_reason_code"], r.json()["left_reason"]) == (
        "pindah_domisili",
        leave_note,
    )
    note = "Ditolak: Pak Budi Santoso sudah ketua KIM lain, HP 081298765432"
    r = await set_status(http, kim["id"], op, "dibubarkan", note, code="usulan_ditolak")
    assert r.status_code == 200, r.text
    last = r.json()["status_history"][-1]
    assert (last["reason_code"], last["reason"]) == ("usulan_ditolak", note), "staff keep it"
    left, changed = [
        e
        for e in await kim_events(runtime, kim["id"])
        if e["type"].split(".")[3] in ("member_left", "status_changed")
    ][:2]
    assert left["data"]["reason_code"] == "pindah_domisili"
    assert changed["data"]["reason_code"] == "usulan_ditolak"
    payloads = await runtime.pool.fetch("SELECT payload FROM outbox")
    everything = " ".join(bytes(p["payload"]).decode() for p in payloads)
    for words in ("Budi", "Surabaya", "contoh.id", "081298765432", "Ditolak"):
        assert words not in everything


async def test_a_dissolved_kim_is_read_only(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    r = await set_status(http, kim["id"], op, "dibubarkan", "Usulan ditolak", code="usulan_ditolak")
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
