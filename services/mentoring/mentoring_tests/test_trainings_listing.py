"""Registrations across trainings: a person's own (with attendance and certificate) and a
KIM's (its officers and its kabupaten's operators only), newest first, in keyset pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .trainings_support import (
    ENDS_ON,
    MADIUN,
    MADIUN_DESA,
    PONOROGO,
    STARTS_ON,
    TUGUREJO,
    Auth,
    Registry,
    member,
    operator,
    register,
    schedule,
    service_day,
)

pytestmark = pytest.mark.integration


async def _registered(http, auth, training_id: str, sub: str) -> str:
    r = await register(http, auth, training_id, sub, f"Peserta {sub}")
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _items(http, headers, url: str, **params: Any) -> list[dict[str, Any]]:
    r = await http.get(url, params=params, headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_own_and_kim_registrations(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    kim = await registry.kim(TUGUREJO, {"ketua-a": "ketua", "m1": "anggota", "m2": "anggota"})
    other = await registry.kim(MADIUN_DESA, {"ketua-m": "ketua"})
    first = await schedule(http, auth, capacity=10, title="Diklat Jurnalistik Dasar")
    second = await schedule(http, auth, capacity=10, title="Diklat Fotografi Desa")
    m1_first = await _registered(http, auth, first["id"], "m1")
    m2_first = await _registered(http, auth, first["id"], "m2")
    m1_second = await _registered(http, auth, second["id"], "m1")
    ketua_second = await _registered(http, auth, second["id"], "ketua-a")
    for day in (STARTS_ON, ENDS_ON):
        service_day(monkeypatch, day)
        r = await http.post(
            f"/trainings/{first['id']}/attendance",
            json={"day": day.isoformat(), "registration_ids": [m1_first]},
            headers=operator(auth),
        )
        assert r.status_code == 200, r.text

    # a person's own, newest first, with the training, the days attended and the certificate
    mine = await _items(http, member(auth, "m1"), "/my/registrations")
    assert [i["id"] for i in mine] == [m1_second, m1_first]
    done = mine[1]
    assert (done["training_title"], done["status"]) == ("Diklat Jurnalistik Dasar", "completed")
    assert done["days_attended"] == [STARTS_ON.isoformat(), ENDS_ON.isoformat()]
    assert done["certificate_code"]
    assert (await http.get(f"/certificates/{done['certificate_code']}")).status_code == 200
    assert (mine[0]["status"], mine[0]["days_attended"], mine[0]["certificate_code"]) == (
        "confirmed",
        [],
        None,
    )
    assert [i["id"] for i in await _items(http, member(auth, "m2"), "/my/registrations")] == [
        m2_first
    ]
    assert await _items(http, member(auth, "ketua-m", region=MADIUN), "/my/registrations") == []

    # a KIM's: its officer and its kabupaten's operator
    url = f"/kim/{kim.kim_id}/registrations"
    everyone = [ketua_second, m1_second, m2_first, m1_first]
    officer = auth("pengelola_kim", sub="ketua-a", region=PONOROGO)
    assert [i["id"] for i in await _items(http, officer, url)] == everyone
    assert [i["id"] for i in await _items(http, operator(auth), url)] == everyone
    # anyone else: 404 as for an unknown KIM (a member, another KIM's officer, another
    # kabupaten's operator), 403 without a role that could ever see it
    for headers in (
        auth("pengelola_kim", sub="m1", region=PONOROGO),
        auth("pengelola_kim", sub="ketua-m", region=MADIUN),
        auth("pengelola_kim", sub="ketua-a", region=MADIUN_DESA),
        operator(auth, MADIUN),
    ):
        r = await http.get(url, headers=headers)
        assert r.status_code == 404, r.text
    r = await http.get(f"/kim/{other.kim_id}/registrations", headers=officer)
    assert r.status_code == 404, r.text
    r = await http.get(url, headers=member(auth, "m1"))
    assert r.status_code == 403, r.text
    assert (await http.get("/my/registrations")).status_code == 401


async def test_pages_and_bad_cursors(
    http: httpx.AsyncClient, auth: Auth, registry: Registry
) -> None:
    kim = await registry.kim(TUGUREJO, {f"m{n}": "anggota" for n in range(5)})
    training = await schedule(http, auth, capacity=10)
    ids = [await _registered(http, auth, training["id"], f"m{n}") for n in range(5)]
    url = f"/kim/{kim.kim_id}/registrations"
    walked: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        r = await http.get(url, params=params, headers=operator(auth))
        assert r.status_code == 200, r.text
        walked += [i["id"] for i in r.json()["items"]]
        if r.json()["next_cursor"] is None:
            break
        params["cursor"] = r.json()["next_cursor"]
    assert walked == ids[::-1]
    for bad in ("bm90LWEtY3Vyc29y", params["cursor"][:-2]):
        r = await http.get(url, params={"cursor": bad}, headers=operator(auth))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("/invalid-cursor")
        assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]
    r = await http.get("/my/registrations", params={"limit": 0}, headers=member(auth, "m0"))
    assert r.status_code == 422, r.text
