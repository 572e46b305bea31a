"""Public search: Indonesian stemming (Sastrawi at indexing and query time), trigram
similarity for misspellings, region and category filters, published articles only, and
whatever a reader types answered without a server error."""

from __future__ import annotations

import httpx
import pytest

from .support import GOMBANG, MADIUN, PONOROGO, SLAHUNG, TUGUREJO, hide, publish, take_down

pytestmark = pytest.mark.integration


def found(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def test_search_stems_forgives_misspellings_filters_and_shows_only_public(
    http, auth, registry, runtime
) -> None:
    tugurejo = await registry.kim(members={"siti": "anggota"})
    gombang = await registry.kim(GOMBANG, members={"joko": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    joko = auth("anggota_kim", sub="joko", region=PONOROGO)
    # "Kerja bakti …": warga bergotong royong; "Kegiatan ini …"
    bakti = await publish(http, runtime, siti, tugurejo)
    keripik = await publish(
        http,
        runtime,
        joko,
        gombang,
        title="Pelatihan membuat keripik singkong",
        body="Ibu-ibu PKK berkegiatan membuat keripik singkong untuk dijual di pasar.",
        category="umkm",
        tags=["keripik"],
    )
    hidden = await publish(
        http, runtime, joko, gombang, title="Gotong royong memperbaiki jalan desa"
    )
    await hide(runtime, hidden["id"])
    gone = await publish(http, runtime, joko, gombang, title="Gotong royong membangun pos ronda")
    await take_down(runtime, gone["id"])

    async def search(**params: str) -> list[str]:
        return found(await http.get("/public/search", params=params))

    # stemming: "kegiatan" and "berkegiatan" share the root "giat"
    assert set(await search(q="kegiatan")) == {bakti["id"], keripik["id"]}
    assert await search(q="bergotong royong") == [bakti["id"]]
    assert await search(q="singkong") == [keripik["id"]]
    # misspellings found by trigram similarity of the title
    assert await search(q="Tugurjo") == [bakti["id"]]
    assert await search(q="kripik singkong") == [keripik["id"]]
    # filters
    assert await search(q="kegiatan", category="umkm") == [keripik["id"]]
    assert await search(q="kegiatan", region=TUGUREJO) == [bakti["id"]]
    assert set(await search(q="kegiatan", region=SLAHUNG)) == {bakti["id"], keripik["id"]}
    assert await search(q="kegiatan", region=MADIUN) == []
    # hidden and taken-down articles are never found
    ids = await search(q="gotong royong")
    assert hidden["id"] not in ids
    assert gone["id"] not in ids
    assert await search(q="pos ronda") == []

    r = await http.get("/public/search", params={"q": "kegiatan"})
    item = r.json()["items"][0]
    assert item["score"] > 0
    assert item["category_label"] in ("Kegiatan Desa", "UMKM")


@pytest.mark.parametrize(
    "q",
    [
        "a & b | !c :*",
        '"gotong royong',
        "'; DROP TABLE articles; --",
        "(((",
        "<->",
        "!!!",
        "-",
        '""',
        "or or or",
        "x" * 200,
        "%_\\",
    ],
)
async def test_whatever_a_reader_types_is_answered(http, registry, q: str) -> None:
    r = await http.get("/public/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


async def test_bad_search_parameters_are_422(http, registry) -> None:
    for params in ({}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "region": "35.0"}):
        r = await http.get("/public/search", params=params)
        assert r.status_code == 422, params
