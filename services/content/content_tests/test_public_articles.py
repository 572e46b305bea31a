"""The public read API: published, not hidden articles only, rendered, without their author;
every version that was published can be shown, others answer 404."""

from __future__ import annotations

import httpx
import pytest

from .support import (
    GOMBANG,
    PONOROGO,
    SLAHUNG,
    TUGUREJO,
    approve,
    article_body,
    hide,
    publish,
    submit,
    take_down,
    write,
)

pytestmark = pytest.mark.integration


async def test_a_published_article_is_shown_rendered_without_its_author(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await publish(
        http,
        runtime,
        siti,
        kim,
        body="Warga **bergotong royong**.\n\n<script>alert(1)</script>",
        cover={"url": "https://kim.example/foto.jpg", "alt": "Warga membersihkan saluran"},
    )
    r = await http.get(f"/public/articles/{article['id']}")
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["revision"] == 1
    assert shown["current"] is True
    assert "<strong>bergotong royong</strong>" in shown["body_html"]
    assert "<script>" not in shown["body_html"]
    assert shown["category_label"] == "Kegiatan Desa"
    assert (shown["village"]["name"], shown["village"]["type"]) == ("Tugurejo", "desa")
    assert (shown["kecamatan"]["code"], shown["kecamatan"]["name"]) == (SLAHUNG, "Slahung")
    assert (shown["kabupaten"]["code"], shown["kabupaten"]["name"]) == (PONOROGO, "Ponorogo")
    assert shown["kim"]["name"] == kim.name
    assert shown["cover"]["url"] == "https://kim.example/foto.jpg"
    assert "siti" not in r.text
    assert "author" not in r.text


async def test_only_published_versions_of_public_articles_are_shown(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    draft = await write(http, siti, kim)
    r = await http.get(f"/public/articles/{draft['id']}")
    assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
    # revision 2 is the one submitted and published; revision 1 never was
    body = article_body(kim, title="Kerja bakti warga Desa Tugurejo, diperbarui")
    del body["kim_id"]
    revised = await http.put(
        f"/articles/{draft['id']}", json=body, headers={**siti, "If-Match": '"1"'}
    )
    assert revised.status_code == 200, revised.text
    assert (await submit(http, siti, draft["id"])).status_code == 200
    await approve(runtime, draft["id"])
    assert (await http.get(f"/public/articles/{draft['id']}")).json()["revision"] == 2
    r = await http.get(f"/public/articles/{draft['id']}/revisions/2")
    assert (r.status_code, r.json()["title"]) == (200, body["title"])
    assert (await http.get(f"/public/articles/{draft['id']}/revisions/1")).status_code == 404
    assert (await http.get(f"/public/articles/{draft['id']}/revisions/3")).status_code == 404

    # hidden by reports, or taken down: gone from the public API
    await hide(runtime, draft["id"])
    assert (await http.get(f"/public/articles/{draft['id']}")).status_code == 404
    assert (await http.get(f"/public/articles/{draft['id']}/revisions/2")).status_code == 404
    other = await publish(http, runtime, siti, kim)
    await take_down(runtime, other["id"])
    assert (await http.get(f"/public/articles/{other['id']}")).status_code == 404
    listed = (await http.get("/public/articles")).json()["items"]
    assert listed == []


async def test_listing_filters_by_region_category_and_tag_newest_first_with_a_cursor(
    http, auth, registry, runtime
) -> None:
    tugurejo = await registry.kim(members={"siti": "anggota"})
    gombang = await registry.kim(GOMBANG, members={"joko": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    joko = auth("anggota_kim", sub="joko", region=PONOROGO)
    first = await publish(http, runtime, siti, tugurejo)
    second = await publish(http, runtime, joko, gombang, category="umkm", tags=["keripik"])
    third = await publish(http, runtime, siti, tugurejo, tags=["posyandu"])
    await write(http, siti, tugurejo)  # a draft: never listed

    def ids(r: httpx.Response) -> list[str]:
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["items"]]

    assert ids(await http.get("/public/articles")) == [third["id"], second["id"], first["id"]]
    for region in (PONOROGO, SLAHUNG, "35"):
        assert len(ids(await http.get("/public/articles", params={"region": region}))) == 3
    by_village = await http.get("/public/articles", params={"region": TUGUREJO})
    assert ids(by_village) == [third["id"], first["id"]]
    assert ids(await http.get("/public/articles", params={"category": "umkm"})) == [second["id"]]
    assert ids(await http.get("/public/articles", params={"tag": "POSYANDU"})) == [third["id"]]
    assert ids(await http.get("/public/articles", params={"region": "35.19"})) == []

    page = await http.get("/public/articles", params={"limit": 2})
    assert ids(page) == [third["id"], second["id"]]
    cursor = page.json()["next_cursor"]
    rest = await http.get("/public/articles", params={"limit": 2, "cursor": cursor})
    assert ids(rest) == [first["id"]]
    assert rest.json()["next_cursor"] is None
    item = page.json()["items"][1]
    assert (item["village"]["name"], item["kim"]["name"]) == ("Gombang", gombang.name)
    assert item["summary"].startswith("Warga RT 02 bergotong royong")

    bad = await http.get("/public/articles", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert (bad.status_code, bad.headers["content-type"]) == (422, "application/problem+json")


async def test_a_taken_down_article_revised_and_approved_again_shows_both_published_versions(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await publish(http, runtime, siti, kim, title="Harga gabah di Desa Tugurejo naik")
    await take_down(runtime, article["id"])
    assert (await http.get(f"/public/articles/{article['id']}")).status_code == 404
    current = (await http.get(f"/articles/{article['id']}", headers=siti)).json()
    assert current["status"] == "taken_down"
    body = article_body(kim, title="Harga gabah di Desa Tugurejo naik (sudah diperbaiki)")
    body.pop("kim_id")
    r = await http.put(
        f"/articles/{article['id']}",
        json=body,
        headers={**siti, "If-Match": f'"{current["version"]}"'},
    )
    assert r.status_code == 200, r.text
    assert (await submit(http, siti, article["id"])).json()["status"] == "diskominfo_review"
    assert (await http.get(f"/public/articles/{article['id']}")).status_code == 404
    await approve(runtime, article["id"])
    shown = (await http.get(f"/public/articles/{article['id']}")).json()
    assert shown["title"].endswith("(sudah diperbaiki)")
    first = await http.get(f"/public/articles/{article['id']}/revisions/1")
    second = await http.get(f"/public/articles/{article['id']}/revisions/2")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["title"] == "Harga gabah di Desa Tugurejo naik"
