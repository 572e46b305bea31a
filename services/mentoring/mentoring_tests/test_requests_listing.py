"""Listing help requests: who sees which (the KIM, the assigned expert, the kabupaten's
operators), filters, the two orders, keyset pages, and bad parameters as specific 422s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from .support import GOMBANG, MADIUN, MADIUN_DESA, PONOROGO, open_request, put_expert

pytestmark = pytest.mark.integration


async def _ids(http, headers, **params: Any) -> list[str]:
    r = await http.get("/help-requests", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def _opened(http, headers, kim_id, skill: str, urgency: str) -> dict[str, Any]:
    r = await open_request(http, headers, kim_id, skill=skill, urgency=urgency)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


@pytest.fixture
async def world(http, auth, registry) -> dict[str, Any]:
    """Two KIM in Ponorogo and one in Madiun, each with a member, experts in both
    kabupaten, and five requests opened one after the other."""
    await put_expert(http, auth, "ahli-a", weekly_capacity=10)
    await put_expert(http, auth, "ahli-foto", skills=["fotografi"], weekly_capacity=10)
    r = await http.put(
        "/experts/ahli-m",
        json={"kabupaten_code": MADIUN, "skills": ["jurnalistik"], "weekly_capacity": 10},
        headers=auth("operator_kabupaten", region=MADIUN),
    )
    assert r.status_code == 200, r.text
    kim_a = await registry.kim(members={"warga-a": "anggota", "ketua-a": "ketua"})
    kim_b = await registry.kim(GOMBANG, members={"warga-b": "anggota"})
    kim_m = await registry.kim(MADIUN_DESA, members={"warga-m": "anggota"})
    a = auth("anggota_kim", sub="warga-a", region=PONOROGO)
    b = auth("anggota_kim", sub="warga-b", region=PONOROGO)
    m = auth("anggota_kim", sub="warga-m", region=MADIUN)
    return {
        "kim_a": kim_a,
        "kim_b": kim_b,
        "kim_m": kim_m,
        "a_high": await _opened(http, a, kim_a.kim_id, "jurnalistik", "tinggi"),
        "a_photo": await _opened(http, a, kim_a.kim_id, "fotografi", "rendah"),
        "a_mid": await _opened(http, a, kim_a.kim_id, "jurnalistik", "sedang"),
        "b_low": await _opened(http, b, kim_b.kim_id, "jurnalistik", "rendah"),
        "m_high": await _opened(http, m, kim_m.kim_id, "jurnalistik", "tinggi"),
    }


def _id(world: dict[str, Any], *names: str) -> list[str]:
    return [world[n]["id"] for n in names]


def _by_sla(world: dict[str, Any], *names: str) -> list[str]:
    """Ids by deadline, then id: requests opened outside office hours with the same urgency
    share their deadline (the SLA counts from the next opening)."""
    rows = [world[n] for n in names]
    rows.sort(key=lambda r: (datetime.fromisoformat(r["sla_due_at"]), r["id"]))
    return [r["id"] for r in rows]


async def test_each_caller_sees_its_own_requests_soonest_deadline_first(http, auth, world) -> None:
    assert [world[n]["expert_subject"] for n in ("a_high", "a_photo", "b_low", "m_high")] == [
        "ahli-a",
        "ahli-foto",
        "ahli-a",
        "ahli-m",
    ]
    member_a = auth("anggota_kim", sub="warga-a", region=PONOROGO)
    officer_a = auth("pengelola_kim", sub="ketua-a", region=world["kim_a"].village_code)
    # the SLA (8, 16, 40 working hours by urgency) orders the queue, then the opening time
    mine = _id(world, "a_high", "a_mid", "a_photo")
    assert _by_sla(world, "a_photo", "a_mid", "a_high") == mine
    assert await _ids(http, member_a) == mine
    assert await _ids(http, officer_a) == mine
    assert await _ids(http, auth("anggota_kim", sub="warga-b", region=PONOROGO)) == _id(
        world, "b_low"
    )
    assert await _ids(http, auth("pendamping", sub="ahli-a")) == _id(
        world, "a_high", "a_mid", "b_low"
    )
    assert await _ids(http, auth("pendamping", sub="ahli-foto")) == _id(world, "a_photo")
    ponorogo = auth("operator_kabupaten", sub="op", region=PONOROGO)
    assert await _ids(http, ponorogo) == _by_sla(world, "a_high", "a_mid", "a_photo", "b_low")
    madiun = auth("operator_kabupaten", sub="op-m", region=MADIUN)
    assert await _ids(http, madiun) == _id(world, "m_high")
    # newest first on request
    assert await _ids(http, ponorogo, order="opened") == _id(
        world, "b_low", "a_mid", "a_photo", "a_high"
    )
    # a member of no KIM, an expert with nothing assigned, an operator of a kecamatan
    assert await _ids(http, auth("anggota_kim", sub="nobody", region=PONOROGO)) == []
    assert await _ids(http, auth("pendamping", sub="ahli-baru")) == []
    # a token of two roles sees both sets; the KIM's member seen from another village: none
    both = auth("anggota_kim", "pendamping", sub="warga-a", region=PONOROGO)
    assert await _ids(http, both) == mine
    elsewhere = auth("anggota_kim", sub="warga-a", region=MADIUN_DESA)
    assert await _ids(http, elsewhere) == []


async def test_filters_narrow_and_never_widen(http, auth, world) -> None:
    ponorogo = auth("operator_kabupaten", sub="op", region=PONOROGO)
    assert await _ids(http, ponorogo, skill="fotografi") == _id(world, "a_photo")
    assert await _ids(http, ponorogo, urgency="tinggi") == _id(world, "a_high")
    assert await _ids(http, ponorogo, expert="ahli-a") == _id(world, "a_high", "a_mid", "b_low")
    assert await _ids(http, ponorogo, kim_id=str(world["kim_b"].kim_id)) == _id(world, "b_low")
    assert await _ids(http, ponorogo, kabupaten=PONOROGO, skill="jurnalistik") == _id(
        world, "a_high", "a_mid", "b_low"
    )
    # outside the caller's scope a filter selects nothing (as for another tenant's rows)
    assert await _ids(http, ponorogo, kabupaten=MADIUN) == []
    assert await _ids(http, ponorogo, kim_id=str(world["kim_m"].kim_id)) == []
    member_a = auth("anggota_kim", sub="warga-a", region=PONOROGO)
    assert await _ids(http, member_a, kim_id=str(world["kim_b"].kim_id)) == []
    assert await _ids(http, member_a, expert="ahli-a") == _id(world, "a_high", "a_mid")

    # status follows the requests' life
    r = await http.post(f"/help-requests/{world['a_mid']['id']}/cancel", headers=member_a)
    assert r.status_code == 200, r.text
    assert await _ids(http, ponorogo, status="cancelled") == _id(world, "a_mid")
    assert await _ids(http, ponorogo, status="assigned") == _by_sla(
        world, "a_high", "a_photo", "b_low"
    )
    assert await _ids(http, ponorogo, status="done") == []


@pytest.mark.parametrize("order", ["sla", "opened"])
async def test_pages_walk_the_whole_list_once(http, auth, world, order: str) -> None:
    ponorogo = auth("operator_kabupaten", sub="op", region=PONOROGO)
    whole = await _ids(http, ponorogo, order=order)
    assert len(whole) == 4
    walked: list[str] = []
    params: dict[str, Any] = {"order": order, "limit": 3}
    while True:
        r = await http.get("/help-requests", params=params, headers=ponorogo)
        assert r.status_code == 200, r.text
        body = r.json()
        walked += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert walked == whole
    # a new request opened meanwhile does not shift a page already handed out
    r = await http.get("/help-requests", params={"order": order, "limit": 2}, headers=ponorogo)
    cursor = r.json()["next_cursor"]
    member_b = auth("anggota_kim", sub="warga-b", region=PONOROGO)
    new = await _opened(http, member_b, world["kim_b"].kim_id, "jurnalistik", "rendah")
    rest = await _ids(http, ponorogo, order=order, cursor=cursor)
    # newest first, the new one lies before the cursor; by deadline (40 working hours) after
    # the first page (the tinggi and sedang ones), so it is in the rest
    assert [i for i in rest if i != new["id"]] == whole[2:]
    assert (new["id"] in rest) == (order == "sla")


def _problem(r, status: int, field: str, slug: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert field in [e["field"] for e in body["errors"]], body
    if slug is not None:
        assert body["type"].endswith(f"/{slug}"), body


async def test_bad_parameters_are_specific_problems(http, auth, world) -> None:
    ponorogo = auth("operator_kabupaten", sub="op", region=PONOROGO)
    r = await http.get("/help-requests", params={"limit": 1}, headers=ponorogo)
    sla_cursor = r.json()["next_cursor"]
    assert sla_cursor is not None

    async def get(**params: Any):
        return await http.get("/help-requests", params=params, headers=ponorogo)

    _problem(await get(cursor="bm90LWEtY3Vyc29y"), 422, "query.cursor", "invalid-cursor")
    _problem(await get(cursor=sla_cursor[:-3]), 422, "query.cursor", "invalid-cursor")
    # a cursor of one order is not a position in the other
    _problem(await get(order="opened", cursor=sla_cursor), 422, "query.cursor", "invalid-cursor")
    _problem(await get(status="selesai"), 422, "query.status")
    _problem(await get(urgency="darurat"), 422, "query.urgency")
    _problem(await get(order="rating"), 422, "query.order")
    _problem(await get(kabupaten="35.2"), 422, "query.kabupaten")
    _problem(await get(kim_id="not-a-uuid"), 422, "query.kim_id")
    _problem(await get(limit=0), 422, "query.limit")
    # the same cursor is accepted with its own order
    assert (await get(cursor=sla_cursor)).status_code == 200

    r = await http.get("/help-requests")
    assert r.status_code == 401, r.text
    r = await http.get("/help-requests", headers=auth("pelaku_umkm", region=PONOROGO))
    assert r.status_code == 403, r.text
