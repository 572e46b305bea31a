"""Feeds per desa/kelurahan, kecamatan and kabupaten (and category): RSS 2.0 parsed by a
feed parser, JSON Feed 1.1 valid against its schema, only published items, Indonesian
titles, and conditional GET so readers poll cheaply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import jsonschema  # type: ignore[import-untyped]
import pytest

from .support import GOMBANG, PONOROGO, SLAHUNG, TUGUREJO, hide, publish, submit, take_down, write

pytestmark = pytest.mark.integration

SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text()
)
BASE = "http://127.0.0.1:8002"  # ContentSettings.public_base_url's default


async def test_feeds_show_only_published_articles_with_indonesian_titles(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    gombang = await registry.kim(GOMBANG, members={"joko": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    joko = auth("anggota_kim", sub="joko", region=PONOROGO)
    shown = await publish(
        http,
        runtime,
        siti,
        kim,
        cover={"url": "https://kim.example/foto.jpg", "alt": "Warga bekerja bakti"},
    )
    umkm = await publish(http, runtime, joko, gombang, category="umkm", title="Keripik Gombang")
    draft = await write(http, siti, kim, title="Draf yang belum dikirim")
    in_review = await write(http, siti, kim, title="Masih dalam peninjauan")
    assert (await submit(http, siti, in_review["id"])).status_code == 200
    hidden = await publish(http, runtime, siti, kim, title="Disembunyikan karena laporan")
    await hide(runtime, hidden["id"])
    gone = await publish(http, runtime, siti, kim, title="Diturunkan oleh moderator")
    await take_down(runtime, gone["id"])
    absent = {draft["id"], in_review["id"], hidden["id"], gone["id"]}

    r = await http.get(f"/feeds/{TUGUREJO}.rss")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/rss+xml")
    assert r.headers["cache-control"] == "public, max-age=300"
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Berita Desa Tugurejo"
    assert parsed.feed.language == "id"
    assert [e.id for e in parsed.entries] == [shown["id"]]
    assert parsed.entries[0].link == f"{BASE}/public/articles/{shown['id']}"
    assert parsed.entries[0].enclosures[0].href == "https://kim.example/foto.jpg"

    r = await http.get(f"/feeds/{SLAHUNG}.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/feed+json")
    document = r.json()
    jsonschema.validate(document, SCHEMA)
    assert document["title"] == "Berita Kecamatan Slahung"
    assert document["feed_url"] == f"{BASE}/feeds/{SLAHUNG}.json"
    assert [i["id"] for i in document["items"]] == [umkm["id"], shown["id"]]
    assert not absent & {i["id"] for i in document["items"]}
    assert document["items"][1]["authors"] == [{"name": kim.name}]

    r = await http.get(f"/feeds/{PONOROGO}.json", params={"category": "umkm"})
    document = r.json()
    jsonschema.validate(document, SCHEMA)
    assert document["title"] == "Berita Kabupaten Ponorogo — UMKM"
    assert [i["id"] for i in document["items"]] == [umkm["id"]]
    parsed = feedparser.parse((await http.get(f"/feeds/{PONOROGO}.rss")).content)
    assert not parsed.bozo
    assert {e.id for e in parsed.entries} == {shown["id"], umkm["id"]}


async def test_readers_poll_cheaply_with_etag_and_last_modified(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    await publish(http, runtime, siti, kim)
    first = await http.get(f"/feeds/{TUGUREJO}.rss")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = await http.get(f"/feeds/{TUGUREJO}.rss", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert (again.headers["etag"], again.headers["cache-control"]) == (
        etag,
        "public, max-age=300",
    )
    since = await http.get(f"/feeds/{TUGUREJO}.rss", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    # the JSON feed is another representation: another tag
    other = await http.get(f"/feeds/{TUGUREJO}.json", headers={"If-None-Match": etag})
    assert other.status_code == 200
    # a new article changes the tag; a takedown changes it again
    newer = await publish(http, runtime, siti, kim, title="Posyandu balita bulan ini")
    changed = await http.get(f"/feeds/{TUGUREJO}.rss", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    await take_down(runtime, newer["id"])
    after = await http.get(
        f"/feeds/{TUGUREJO}.rss", headers={"If-None-Match": changed.headers["etag"]}
    )
    assert after.status_code == 200
    assert newer["id"] not in after.text


async def test_unknown_regions_and_levels_without_feeds_are_404(http, registry) -> None:
    for path in ("/feeds/35.02.99.2999.rss", "/feeds/35.json", "/feeds/99.99.json"):
        r = await http.get(path)
        assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
    assert (await http.get("/feeds/35.02.rss", params={"category": "gosip"})).status_code == 422
    empty = await http.get("/feeds/35.02.rss")
    assert empty.status_code == 200
    assert not feedparser.parse(empty.content).bozo
