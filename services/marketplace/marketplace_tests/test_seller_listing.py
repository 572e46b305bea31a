"""GET /sellers: who sees which sellers (owner, officers of an aktif KIM, operators of the
kabupaten), the filters, keyset pages and bad parameters."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    ADDRESS,
    GOMBANG,
    MADIUN,
    MADIUN_DESA,
    OWNER_NAME,
    PONOROGO,
    SLAHUNG,
    register,
)

pytestmark = pytest.mark.integration


async def _names(http: Any, headers: dict[str, str], **params: Any) -> set[str]:
    r = await http.get("/sellers", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return {s["business_name"] for s in r.json()["items"]}


async def test_each_role_lists_the_sellers_it_manages_or_oversees(http, auth, registry) -> None:
    kim = await registry.kim(members={"ketua-kim": "ketua", "anggota-kim": "anggota"})
    lapsed = await registry.kim(GOMBANG, members={"ketua-lapsed": "ketua"})
    await register(
        http,
        auth("pelaku_umkm", sub="sri", region=PONOROGO),
        business_name="Sambel Bu Sri",
        kim_id=str(kim.kim_id),
    )
    await register(
        http,
        auth("pelaku_umkm", sub="tono", region=PONOROGO),
        business_name="Reog Mini Pak Tono",
        village_code=GOMBANG,
        kim_id=str(lapsed.kim_id),
    )
    lapsed.status = "tidak_aktif"
    await registry.publish(lapsed)
    await register(
        http,
        auth("pelaku_umkm", sub="madiun", region=MADIUN),
        business_name="Pecel Madiun",
        village_code=MADIUN_DESA,
    )

    assert await _names(http, auth("pelaku_umkm", sub="sri", region=PONOROGO)) == {"Sambel Bu Sri"}
    assert await _names(http, auth("pelaku_umkm", sub="belum-daftar", region=PONOROGO)) == set()
    # officers of an aktif KIM: the sellers it assists; a member, or officers of a KIM that
    # is not aktif, none
    assert await _names(http, auth("pengelola_kim", sub="ketua-kim", region=PONOROGO)) == {
        "Sambel Bu Sri"
    }
    assert await _names(http, auth("pengelola_kim", sub="anggota-kim", region=PONOROGO)) == set()
    assert await _names(http, auth("pengelola_kim", sub="ketua-lapsed", region=PONOROGO)) == set()
    # an officer signed in for another region sees nothing of its KIM
    assert await _names(http, auth("pengelola_kim", sub="ketua-kim", region=MADIUN)) == set()
    # operators: their kabupaten's, not the neighbour's
    op = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    assert await _names(http, op) == {"Sambel Bu Sri", "Reog Mini Pak Tono"}
    assert await _names(http, auth("operator_kabupaten", sub="op-madiun", region=MADIUN)) == {
        "Pecel Madiun"
    }
    # a filter outside the caller's set selects nothing
    assert await _names(http, op, region=MADIUN) == set()
    # other roles may not list sellers at all
    r = await http.get("/sellers", headers=auth("moderator", sub="mod"))
    assert r.status_code == 403, r.text


async def test_the_list_shows_the_business_never_its_owner(http, auth, registry) -> None:
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    seller = await register(http, owner)
    r = await http.get("/sellers", headers=owner)
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert item["id"] == seller["id"]
    assert item["village_name"] is not None
    assert item["kecamatan_code"] == SLAHUNG
    assert item["badges"] == []
    assert item["verified"] is False
    for private in ("owner_name", "address", "whatsapp"):
        assert private not in item
    assert OWNER_NAME not in r.text
    assert ADDRESS not in r.text


async def test_filters_by_kim_region_and_verified_nib(http, auth, registry) -> None:
    kim = await registry.kim(members={"ketua-kim": "ketua"})
    dibantu = await register(
        http,
        auth("pelaku_umkm", sub="sri", region=PONOROGO),
        business_name="Dibantu KIM",
        kim_id=str(kim.kim_id),
    )
    await register(
        http,
        auth("pelaku_umkm", sub="tono", region=PONOROGO),
        business_name="Di Gombang",
        village_code=GOMBANG,
    )
    op = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    assert await _names(http, op, kim_id=str(kim.kim_id)) == {"Dibantu KIM"}
    assert await _names(http, op, region=GOMBANG) == {"Di Gombang"}
    assert await _names(http, op, region=SLAHUNG) == {"Dibantu KIM", "Di Gombang"}
    assert await _names(http, op, verified="true") == set()
    r = await http.post(
        f"/sellers/{dibantu['id']}/verifications",
        json={"document": "nib", "status": "terverifikasi"},
        headers=op,
    )
    assert r.status_code == 200, r.text
    assert await _names(http, op, verified="true") == {"Dibantu KIM"}
    assert await _names(http, op, verified="false") == {"Di Gombang"}
    listed = (await http.get("/sellers", params={"verified": "true"}, headers=op)).json()
    assert listed["items"][0]["verified"] is True
    assert listed["items"][0]["badges"] == ["nib"]


async def test_pages_walk_every_seller_once_newest_first(http, auth, registry) -> None:
    names = [f"Usaha ke-{i}" for i in range(5)]
    for i, name in enumerate(names):
        await register(
            http, auth("pelaku_umkm", sub=f"penjual-{i}", region=PONOROGO), business_name=name
        )
    op = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await http.get("/sellers", params=params, headers=op)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [s["business_name"] for s in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(names))


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "bm90LWEtY3Vyc29y"},
        {"cursor": "!!"},
        {"region": "35.2"},
        {"kim_id": "bukan-uuid"},
        {"limit": "0"},
        {"limit": "101"},
        {"verified": "mungkin"},
    ],
)
async def test_bad_parameters_are_422(http, auth, registry, params: dict[str, str]) -> None:
    r = await http.get(
        "/sellers",
        params=params,
        headers=auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO),
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"].startswith("query.")
