"""Feeds: RSS 2.0 read back by feedparser, JSON Feed 1.1 checked against its schema."""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import jsonfeed  # type: ignore[import-untyped]
import jsonschema  # type: ignore[import-untyped]
import pytest

from kim_content.publishing.feeds import (
    CATEGORY_LABELS,
    FeedInfo,
    FeedItem,
    category_label,
    feed_title,
    json_feed,
    rss,
)
from kim_content.publishing.render import render_markdown, summary

SCHEMA = Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json"
WIB = timezone(timedelta(hours=7))
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

INFO = FeedInfo(
    title=feed_title("desa", "Sukorejo"),
    description="Berita dari KIM di Desa Sukorejo, Kecamatan Sukorejo, Kabupaten Ponorogo.",
    home_url="https://kim.example/wilayah/35.02.12.2001",
    feed_url="https://kim.example/wilayah/35.02.12.2001/feed.xml",
)


def _item(n: int, **changes: Any) -> FeedItem:
    body = f"## Kerja bakti ke-{n}\n\nWarga membersihkan **saluran air** & jalan desa."
    fields: dict[str, Any] = {
        "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "url": f"https://kim.example/berita/{n}",
        "title": f"Kerja bakti Dusun Krajan ke-{n}",
        "summary": summary(body),
        "content_html": render_markdown(body),
        "published_at": datetime(2026, 3, n, 8, 30, tzinfo=WIB),
        "updated_at": datetime(2026, 3, n, 9, 0, tzinfo=WIB),
        "category": "kegiatan_desa",
        "tags": ("gotong royong", "kebersihan"),
        "image": f"https://foto.example/{n}.jpg",
        "kim_name": "KIM Sukorejo Maju",
    }
    fields.update(changes)
    return FeedItem(**fields)


ITEMS = [_item(3), _item(2, category="umkm", tags=(), image=None, kim_name=None), _item(1)]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


# --- titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "name", "category", "expected"),
    [
        ("desa", "Sukorejo", None, "Berita Desa Sukorejo"),
        ("kecamatan", "Babadan", None, "Berita Kecamatan Babadan"),
        ("kabupaten", "Ponorogo", None, "Berita Kabupaten Ponorogo"),
        ("kelurahan", "Nologaten", None, "Berita Kelurahan Nologaten"),
        ("kota", "Madiun", None, "Berita Kota Madiun"),
        ("desa_adat", "Tenganan", None, "Berita Desa Adat Tenganan"),
        ("desa", "Sukorejo", "kegiatan_desa", "Berita Desa Sukorejo — Kegiatan Desa"),
        ("kabupaten", "Ponorogo", "umkm", "Berita Kabupaten Ponorogo — UMKM"),
        ("kecamatan", "Babadan", "agenda", "Berita Kecamatan Babadan — Agenda"),
        ("desa", "  Sido   Mulyo ", None, "Berita Desa Sido Mulyo"),
    ],
)
def test_feed_title(level: str, name: str, category: str | None, expected: str) -> None:
    assert feed_title(level, name, category) == expected


def test_feed_title_rejects_unknown_level_and_category() -> None:
    with pytest.raises(ValueError, match="level"):
        feed_title("dusun", "Krajan")
    with pytest.raises(ValueError, match="category"):
        feed_title("desa", "Sukorejo", "olahraga")


def test_category_labels() -> None:
    assert set(CATEGORY_LABELS) == {
        "kegiatan_desa",
        "kebijakan_pengumuman",
        "umkm",
        "potensi_desa",
        "agenda",
    }
    assert category_label("potensi_desa") == "Potensi Desa"
    assert category_label("kebijakan_pengumuman") == "Kebijakan dan Pengumuman"
    with pytest.raises(ValueError, match="category"):
        category_label("hoaks")


def test_item_rejects_unknown_category_and_naive_time() -> None:
    with pytest.raises(ValueError, match="category"):
        _item(1, category="olahraga")
    with pytest.raises(ValueError, match="timezone"):
        _item(1, published_at=datetime(2026, 3, 1, 8, 30))


# --- RSS 2.0 ------------------------------------------------------------------------


def test_rss_parses_cleanly_with_exactly_the_items() -> None:
    parsed = feedparser.parse(rss(INFO, ITEMS))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Berita Desa Sukorejo"
    assert parsed.feed.link == INFO.home_url
    assert parsed.feed.language == "id"
    assert [e.id for e in parsed.entries] == [i.id for i in ITEMS]
    assert [e.title for e in parsed.entries] == [i.title for i in ITEMS]
    assert [e.link for e in parsed.entries] == [i.url for i in ITEMS]


def test_rss_item_fields() -> None:
    parsed = feedparser.parse(rss(INFO, ITEMS))
    first, second = parsed.entries[0], parsed.entries[1]
    assert first.guidislink is False
    published = datetime.fromtimestamp(calendar.timegm(first.published_parsed), UTC)
    assert published == datetime(2026, 3, 3, 1, 30, tzinfo=UTC)
    assert [t.term for t in first.tags] == ["Kegiatan Desa", "gotong royong", "kebersihan"]
    assert [t.term for t in second.tags] == ["UMKM"]
    assert first.summary == ITEMS[0].summary
    assert first.content[0].value == ITEMS[0].content_html.strip()
    assert first.author == "KIM Sukorejo Maju"
    assert "author" not in second
    assert first.enclosures[0].href == "https://foto.example/3.jpg"
    assert first.enclosures[0].type == "image/jpeg"
    assert not second.enclosures


def test_rss_raw_elements() -> None:
    document = rss(INFO, ITEMS).decode("utf-8")
    assert document.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert document.count("<item>") == 3
    assert '<guid isPermaLink="false">urn:uuid:00000000-0000-4000-8000-000000000003</guid>' in (
        document
    )
    assert "<pubDate>Tue, 03 Mar 2026 01:30:00 +0000</pubDate>" in document
    assert "<lastBuildDate>Tue, 03 Mar 2026 02:00:00 +0000</lastBuildDate>" in document
    assert f'<atom:link href="{INFO.feed_url}" rel="self" type="application/rss+xml"/>' in (
        document
    )


def test_rss_is_deterministic_for_the_same_items() -> None:
    assert rss(INFO, ITEMS) == rss(INFO, ITEMS)


def test_rss_escapes_markup_in_titles() -> None:
    item = _item(1, title="Harga <b>cabai</b> & bawang", summary="naik ]]> turun")
    parsed = feedparser.parse(rss(INFO, [item]))
    assert not parsed.bozo
    assert parsed.entries[0].title == "Harga <b>cabai</b> & bawang"


def test_rss_empty_feed() -> None:
    parsed = feedparser.parse(rss(INFO, []))
    assert not parsed.bozo
    assert parsed.entries == []
    assert parsed.feed.title == "Berita Desa Sukorejo"


# --- JSON Feed 1.1 ------------------------------------------------------------------


def test_json_feed_validates_against_the_schema(schema: dict[str, Any]) -> None:
    document = json.loads(json_feed(INFO, ITEMS))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    for item in document["items"]:
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]), item[key]


def test_json_feed_content(schema: dict[str, Any]) -> None:
    raw = json_feed(INFO, ITEMS)
    document = json.loads(raw.decode("utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["language"] == "id"
    assert document["title"] == "Berita Desa Sukorejo"
    assert document["home_page_url"] == INFO.home_url
    assert document["feed_url"] == INFO.feed_url
    assert [i["id"] for i in document["items"]] == [i.id for i in ITEMS]
    first, second = document["items"][0], document["items"][1]
    assert first == {
        "id": ITEMS[0].id,
        "url": ITEMS[0].url,
        "title": ITEMS[0].title,
        "content_html": ITEMS[0].content_html,
        "summary": ITEMS[0].summary,
        "image": "https://foto.example/3.jpg",
        "date_published": "2026-03-03T01:30:00Z",
        "date_modified": "2026-03-03T02:00:00Z",
        "tags": ["Kegiatan Desa", "gotong royong", "kebersihan"],
        "authors": [{"name": "KIM Sukorejo Maju"}],
    }
    assert "image" not in second
    assert "authors" not in second
    assert second["tags"] == ["UMKM"]


def test_json_feed_keeps_indonesian_text_readable() -> None:
    info = FeedInfo(
        title=feed_title("kabupaten", "Ponorogo", "kegiatan_desa"),
        description="d",
        home_url="https://kim.example/",
        feed_url="https://kim.example/feed.json",
    )
    raw = json_feed(info, [])
    assert "Berita Kabupaten Ponorogo — Kegiatan Desa".encode() in raw


def test_json_feed_round_trip(schema: dict[str, Any]) -> None:
    raw = json_feed(INFO, ITEMS)
    parsed = jsonfeed.Feed.parse_string(raw.decode("utf-8"))
    assert parsed.title == INFO.title
    assert parsed.language == "id"
    assert [i.id for i in parsed.items] == [i.id for i in ITEMS]
    assert [i.title for i in parsed.items] == [i.title for i in ITEMS]
    assert parsed.items[0].content_html == ITEMS[0].content_html
    assert parsed.items[0].authors[0].name == "KIM Sukorejo Maju"
    assert datetime.fromisoformat(parsed.items[0].date_published) == ITEMS[0].published_at


def test_json_feed_item_without_html_has_text(schema: dict[str, Any]) -> None:
    item = _item(1, content_html="", summary="")
    document = json.loads(json_feed(INFO, [item]))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert document["items"][0]["content_text"] == item.title


def test_json_feed_empty(schema: dict[str, Any]) -> None:
    document = json.loads(json_feed(INFO, []))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert document["items"] == []


def test_schema_rejects_what_the_spec_forbids(schema: dict[str, Any]) -> None:
    good = json.loads(json_feed(INFO, ITEMS))
    validator = jsonschema.Draft202012Validator(schema)
    no_content = json.loads(json.dumps(good))
    del no_content["items"][0]["content_html"]
    wrong_version = {**good, "version": "https://jsonfeed.org/version/1"}
    no_id = json.loads(json.dumps(good))
    del no_id["items"][1]["id"]
    empty_author = json.loads(json.dumps(good))
    empty_author["items"][0]["authors"] = [{}]
    for bad in (no_content, wrong_version, no_id, empty_author):
        assert not validator.is_valid(bad)
