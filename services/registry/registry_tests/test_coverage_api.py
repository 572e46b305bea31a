"""Coverage answers Diskominfo Ponorogo's questions: in which desa/kelurahan is there a KIM,
which kecamatan are still empty, are we on target — and the same for the province."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared import clock
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]
TODAY = clock.today()  # WIB, as the service counts days
SLAHUNG, NGRAYUN, BUNGKAL, SAMBIT = "35.02.01", "35.02.02", "35.02.03", "35.02.04"


async def insert_kim(runtime: Runtime, village: str, status: str = "aktif") -> str:
    kim_id = uuid.uuid4()
    await runtime.pool.execute(
        "INSERT INTO kim (id, name, village_code, kabupaten_code, status, created_by)"
        " VALUES ($1, $2, $3, $4, $5, 'test')",
        kim_id,
        f"KIM {village}",
        village,
        village[:5],
        status,
    )
    return str(kim_id)


async def villages_of(runtime: Runtime, kecamatan: str) -> list[str]:
    rows = await runtime.pool.fetch(
        "SELECT code FROM regions WHERE parent_code = $1 AND level = 4 ORDER BY code", kecamatan
    )
    return [r["code"] for r in rows]


@pytest.fixture
async def kims(runtime: Runtime, ponorogo: ImportResult) -> dict[str, Any]:
    slahung = await villages_of(runtime, SLAHUNG)
    ngrayun = await villages_of(runtime, NGRAYUN)
    bungkal = await villages_of(runtime, BUNGKAL)
    active = [slahung[0], slahung[1], slahung[2], ngrayun[0], ngrayun[1]]
    ids = [await insert_kim(runtime, v) for v in active]
    second = await insert_kim(runtime, slahung[0])  # two aktif KIM in one village: counted once
    calon = await insert_kim(runtime, bungkal[0], "calon")  # proposed only: does not count
    await insert_kim(runtime, bungkal[1], "tidak_aktif")
    await insert_kim(runtime, bungkal[2], "dibubarkan")
    madiun = await villages_of(runtime, "35.19.01")
    await insert_kim(runtime, madiun[0])
    return {
        "slahung": slahung,
        "bungkal": bungkal,
        "ids": ids,
        "second": second,
        "calon": calon,
    }


async def coverage(http: httpx.AsyncClient, code: str, **params: Any) -> dict[str, Any]:
    r = await http.get(f"/coverage/{code}", params=params)  # public: no token
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_kabupaten_coverage_per_kecamatan(
    http: httpx.AsyncClient, kims: dict[str, Any]
) -> None:
    body = await coverage(http, "35.02")
    assert body["region"] == {
        "code": "35.02",
        "name": "Kabupaten Ponorogo",
        "type": "kabupaten",
        "level": 2,
    }
    assert body["rows_are"] == "kecamatan"
    totals = body["totals"]
    assert (totals["villages"], totals["kelurahan"]) == (307, 26)
    assert totals["villages_with_active_kim"] == 5
    assert totals["percent"] == 1.6  # 5 / 307
    assert (totals["kecamatan"], totals["kecamatan_with_active_kim"]) == (21, 2)
    assert (totals["target"], totals["gap"]) == (None, None)
    rows = {r["code"]: r for r in body["rows"]}
    assert len(rows) == 21
    assert sum(r["villages"] for r in rows.values()) == 307
    slahung = rows[SLAHUNG]
    assert (slahung["name"], slahung["villages"], slahung["villages_with_active_kim"]) == (
        "Slahung",
        22,
        3,
    )
    assert slahung["percent"] == 13.6
    assert rows[NGRAYUN]["villages_with_active_kim"] == 2
    assert rows[BUNGKAL]["villages_with_active_kim"] == 0  # calon and tidak_aktif do not count
    assert body["empty_rows"] == 19

    empty = await coverage(http, "35.02", empty="true")
    assert empty["only_empty"] is True
    assert len(empty["rows"]) == 19
    assert {r["code"] for r in empty["rows"]} == set(rows) - {SLAHUNG, NGRAYUN}
    assert all(r["villages_with_active_kim"] == 0 for r in empty["rows"])
    assert empty["totals"] == totals

    # "In which desa/kelurahan is there a KIM?" for the whole kabupaten, in one request.
    per_village = await coverage(http, "35.02", villages="true")
    assert per_village["rows_are"] == "village"
    assert len(per_village["rows"]) == 307
    assert per_village["totals"] == totals
    with_kim = [r for r in per_village["rows"] if r["has_active_kim"]]
    assert len(with_kim) == 5
    assert {r["code"][:8] for r in with_kim} == {SLAHUNG, NGRAYUN}
    uncovered = await coverage(http, "35.02", villages="true", empty="true")
    assert len(uncovered["rows"]) == uncovered["empty_rows"] == 302


async def test_kecamatan_coverage_lists_villages_and_their_kim(
    http: httpx.AsyncClient, kims: dict[str, Any]
) -> None:
    body = await coverage(http, SLAHUNG)
    assert body["rows_are"] == "village"
    assert len(body["rows"]) == 22
    assert body["totals"]["villages_with_active_kim"] == 3
    first = body["rows"][0]
    assert first["code"] == kims["slahung"][0]
    assert first["has_active_kim"] is True
    assert {k["id"] for k in first["kim"]} == {kims["ids"][0], kims["second"]}
    assert body["empty_rows"] == 19

    bungkal = await coverage(http, BUNGKAL)
    by_code = {r["code"]: r for r in bungkal["rows"]}
    proposed = by_code[kims["bungkal"][0]]
    assert proposed["has_active_kim"] is False
    assert [(k["id"], k["status"]) for k in proposed["kim"]] == [(kims["calon"], "calon")]
    assert by_code[kims["bungkal"][2]]["kim"] == []  # dissolved KIM are not listed
    assert bungkal["totals"]["villages_with_active_kim"] == 0
    empty = await coverage(http, BUNGKAL, empty="true")
    assert len(empty["rows"]) == len(bungkal["rows"])  # nothing active there: all are empty

    # A kecamatan with KIM: empty=true drops exactly the villages that have an active one.
    empty = await coverage(http, SLAHUNG, empty="true")
    assert empty["only_empty"] is True
    assert len(empty["rows"]) == empty["empty_rows"] == 19
    assert not any(r["has_active_kim"] for r in empty["rows"])
    assert {r["code"] for r in empty["rows"]} == set(kims["slahung"]) - set(kims["slahung"][:3])
    assert empty["totals"] == body["totals"]


async def test_province_coverage_per_kabupaten(
    http: httpx.AsyncClient, runtime: Runtime, kims: dict[str, Any]
) -> None:
    body = await coverage(http, "35")
    assert body["rows_are"] == "kabupaten"
    rows = {r["code"]: r for r in body["rows"]}
    assert set(rows) == {"35.02", "35.19"}  # only these two are imported in the tests
    assert rows["35.02"]["villages"] == 307
    assert rows["35.02"]["villages_with_active_kim"] == 5
    assert (rows["35.02"]["kecamatan"], rows["35.02"]["kecamatan_with_active_kim"]) == (21, 2)
    madiun_villages = await runtime.pool.fetchval(
        "SELECT count(*) FROM regions WHERE level = 4 AND code LIKE '35.19.%'"
    )
    assert rows["35.19"]["villages"] == madiun_villages
    assert rows["35.19"]["villages_with_active_kim"] == 1
    assert body["totals"]["villages"] == 307 + madiun_villages
    assert body["totals"]["villages_with_active_kim"] == 6


async def test_targets_give_the_gap(
    http: httpx.AsyncClient, auth: Auth, kims: dict[str, Any]
) -> None:
    operator = auth("operator_kabupaten", region="35.02", sub="op-ponorogo")

    async def target(**body: Any) -> dict[str, Any]:
        r = await http.post("/targets", json=body, headers=operator)
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
        return created

    every = await target(
        region_code="35.02",
        label="Setiap desa dan kelurahan punya KIM",
        due_on=(TODAY + timedelta(days=1500)).isoformat(),
    )
    body = await coverage(http, "35.02")
    assert body["totals"]["target"]["id"] == every["id"]
    assert body["totals"]["target"]["villages"] == 307
    assert body["totals"]["gap"] == 302

    one_each = await target(
        region_code="35.02",
        label="Satu KIM di setiap kecamatan",
        due_on=(TODAY + timedelta(days=200)).isoformat(),
        villages_target=1,
        per_kecamatan=True,
    )
    slahung_goal = await target(
        region_code=SLAHUNG,
        label="Sepuluh KIM di Slahung",
        due_on=(TODAY + timedelta(days=100)).isoformat(),
        villages_target=10,
    )
    overdue = await target(
        region_code=SAMBIT, label="Dua KIM di Sambit", due_on="2022-12-31", villages_target=2
    )
    body = await coverage(http, "35.02")
    totals = body["totals"]
    # The per-kecamatan target is due sooner than "every village": it applies to the total.
    assert totals["target"]["id"] == one_each["id"]
    assert (totals["target"]["villages"], totals["gap"]) == (21, 19)
    rows = {r["code"]: r for r in body["rows"]}
    assert rows[SLAHUNG]["target"]["id"] == slahung_goal["id"]  # its own, due soonest
    assert (rows[SLAHUNG]["target"]["villages"], rows[SLAHUNG]["gap"]) == (10, 7)
    assert rows[NGRAYUN]["target"]["id"] == one_each["id"]
    assert rows[NGRAYUN]["gap"] == 0
    assert rows[BUNGKAL]["gap"] == 1
    # Sambit: its own target is past due but still the latest of its own, yet the inherited
    # per-kecamatan one is upcoming, so that applies; the overdue one shows in Sambit's view.
    assert rows[SAMBIT]["target"]["id"] == one_each["id"]
    sambit = await coverage(http, SAMBIT)
    assert sambit["totals"]["target"]["id"] == one_each["id"]

    listed = await http.get("/targets", params={"region": "35.02"})
    assert listed.status_code == 200
    assert {t["id"] for t in listed.json()["targets"]} == {
        every["id"],
        one_each["id"],
        slahung_goal["id"],
        overdue["id"],
    }
    listed = await http.get("/targets", params={"region": SAMBIT})
    assert {t["id"] for t in listed.json()["targets"]} == {overdue["id"], one_each["id"]}


async def test_an_overdue_target_shows_until_a_new_one_replaces_it(
    http: httpx.AsyncClient, auth: Auth, kims: dict[str, Any]
) -> None:
    r = await http.post(
        "/targets",
        json={
            "region_code": "35.02",
            "label": "Satu KIM di setiap kecamatan",
            "due_on": "2022-12-31",
            "villages_target": 1,
            "per_kecamatan": True,
        },
        headers={**auth("operator_kabupaten", region="35.02"), "Idempotency-Key": "t-2022"},
    )
    assert r.status_code == 201, r.text
    totals = (await coverage(http, "35.02"))["totals"]
    assert totals["target"]["id"] == r.json()["id"]
    assert totals["target"]["overdue"] is True
    assert totals["gap"] == 19

    async def new_target(key: str, due_on: str, villages: int) -> str:
        r = await http.post(
            "/targets",
            json={
                "region_code": "35.02",
                "label": f"{villages} KIM di setiap kecamatan",
                "due_on": due_on,
                "villages_target": villages,
                "per_kecamatan": True,
            },
            headers={**auth("operator_kabupaten", region="35.02"), "Idempotency-Key": key},
        )
        assert r.status_code == 201, r.text
        target_id: str = r.json()["id"]
        return target_id

    # Another target that is also past due, but later: the latest overdue one shows.
    later = await new_target("t-2023", "2023-06-30", 2)
    totals = (await coverage(http, "35.02"))["totals"]
    assert (totals["target"]["id"], totals["target"]["overdue"]) == (later, True)
    # A new upcoming target replaces the overdue ones (Slahung 3 and Ngrayun 2 meet "2 each").
    upcoming = await new_target("t-next", (TODAY + timedelta(days=90)).isoformat(), 2)
    totals = (await coverage(http, "35.02"))["totals"]
    assert (totals["target"]["id"], totals["target"]["overdue"]) == (upcoming, False)
    assert (totals["target"]["villages"], totals["gap"]) == (42, 38)


async def test_target_access_and_validation(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, kims: dict[str, Any]
) -> None:
    ponorogo = auth("operator_kabupaten", region="35.02")
    ok = {"region_code": "35.02", "label": "Target 2027", "due_on": "2027-12-31"}

    keyed = {**ponorogo, "Idempotency-Key": "target-1"}
    first = await http.post("/targets", json=ok, headers=keyed)
    again = await http.post("/targets", json=ok, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]

    for body, status, words in [
        (ok | {"region_code": "35.19"}, 422, "not a known region inside your region"),
        (ok | {"region_code": "35"}, 422, "not a known region inside"),  # admin_provinsi only
        (ok | {"region_code": "35.02.99"}, 422, "not a known region inside your region"),
        (ok | {"villages_target": 400}, 422, "has 307 desa and kelurahan"),
        (ok | {"region_code": SLAHUNG, "per_kecamatan": True}, 422, "itself a kecamatan"),
        (ok | {"region_code": "35.02.01.2001"}, 422, "region_code"),
        (ok | {"villages_target": 0}, 422, "villages_target"),
        (ok | {"label": "x"}, 422, "label"),
    ]:
        r = await http.post("/targets", json=body, headers=ponorogo)
        assert r.status_code == status, (body, r.text)
        assert words in r.text
    assert (await http.post("/targets", json=ok)).status_code == 401
    r = await http.post(
        "/targets", json=ok, headers=auth("pengelola_kim", region="35.02", kim_ids=())
    )
    assert r.status_code == 403
    admin = auth("admin_provinsi", region="35")
    r = await http.post("/targets", json=ok | {"region_code": "35"}, headers=admin)
    assert r.status_code == 201
    assert await runtime.pool.fetchval("SELECT count(*) FROM targets") == 2


async def test_bad_coverage_codes(http: httpx.AsyncClient, kims: dict[str, Any]) -> None:
    r = await http.get("/coverage/35.99")
    assert r.status_code == 404
    assert r.json()["detail"] == "Region 35.99 was not found."
    r = await http.get(f"/coverage/{kims['slahung'][0]}")
    assert r.status_code == 422
    assert "desa/kelurahan" in r.json()["detail"]
    assert (await http.get("/coverage/ponorogo")).status_code == 422
    r = await http.get("/coverage/35", params={"villages": "true"})
    assert r.status_code == 422
    assert "ask per kabupaten/kota" in r.json()["detail"]
    assert (await http.get("/coverage/35.02", params={"empty": "maybe"})).status_code == 422
