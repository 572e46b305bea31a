"""Public feeds of published articles: RSS 2.0 (feedgen) and JSON Feed 1.1 (jsonfeed-util).

The caller passes only published articles, newest first, already rendered
(``content_html`` from ``render.render_markdown``, ``summary`` from ``render.summary``);
both writers keep that order. Items name their KIM as author, never a person.
Titles and category labels are in Bahasa Indonesia.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jsonfeed  # type: ignore[import-untyped]
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

CATEGORY_LABELS: Mapping[str, str] = {
    "kegiatan_desa": "Kegiatan Desa",
    "kebijakan_pengumuman": "Kebijakan dan Pengumuman",
    "umkm": "UMKM",
    "potensi_desa": "Potensi Desa",
    "agenda": "Agenda",
}
"""Article category codes and their labels."""

LEVEL_LABELS: Mapping[str, str] = {
    "provinsi": "Provinsi",
    "kabupaten": "Kabupaten",
    "kota": "Kota",
    "kecamatan": "Kecamatan",
    "distrik": "Distrik",
    "desa": "Desa",
    "kelurahan": "Kelurahan",
    "desa_adat": "Desa Adat",
}
"""Region types (as in the registry's region events) and how a title names them."""

GENERATOR = "KIM Platform"


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """The feed itself: its title, a description, the page it mirrors and its own URL."""

    title: str
    description: str
    home_url: str
    feed_url: str
    language: str = "id"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One published article as the feeds show it.

    ``category`` is a code of ``CATEGORY_LABELS``; times must be timezone-aware;
    ``kim_name`` is the KIM that published it (the author), ``image`` an https URL.
    """

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published_at: datetime
    updated_at: datetime
    category: str
    tags: tuple[str, ...] = ()
    image: str | None = None
    kim_name: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORY_LABELS:
            raise ValueError(f"unknown category {self.category!r}")
        for name in ("published_at", "updated_at"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


def category_label(code: str) -> str:
    """The Indonesian label of a category code (``ValueError`` for an unknown code)."""
    try:
        return CATEGORY_LABELS[code]
    except KeyError:
        raise ValueError(f"unknown category {code!r}") from None


def feed_title(level: str, name: str, category: str | None = None) -> str:
    """E.g. ``Berita Desa Sukorejo`` or ``Berita Kabupaten Ponorogo — Kegiatan Desa``.

    ``level`` is a region type (``LEVEL_LABELS``), ``name`` the region's name as the
    registry has it, ``category`` an optional category code.
    """
    try:
        level_label = LEVEL_LABELS[level]
    except KeyError:
        raise ValueError(f"unknown region level {level!r}") from None
    title = f"Berita {level_label} {' '.join(name.split())}"
    if category is not None:
        title = f"{title} — {category_label(category)}"
    return title


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def _image_type(url: str) -> str | None:
    kind, _ = mimetypes.guess_type(url.split("?", 1)[0].split("#", 1)[0])
    return kind if kind is not None and kind.startswith("image/") else None


def rss(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """An RSS 2.0 document (UTF-8) with the items in the given order.

    Each item has its permanent ``guid`` (isPermaLink=false), link, title, summary as
    ``description``, the HTML as ``content:encoded``, ``pubDate``, the category label
    and tags as ``category``, the KIM as ``dc:creator`` and, when its type is known from
    the URL, the cover image as ``enclosure``. ``lastBuildDate`` is the latest
    ``updated_at`` (the build time for an empty feed).
    """
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.title(info.title)
    fg.description(info.description)
    # feedgen takes the RSS <link> from the last link given: the page, after `self`.
    fg.link(href=info.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=info.home_url, rel="alternate")
    fg.language(info.language)
    fg.generator(GENERATOR)
    if items:
        fg.lastBuildDate(_utc(max(item.updated_at for item in items)))
    for item in items:
        entry = fg.add_entry(order="append")
        entry.guid(item.id, permalink=False)
        entry.link(href=item.url)
        entry.title(item.title)
        entry.description(item.summary or item.title)
        if item.content_html:
            entry.content(item.content_html)
        entry.pubDate(_utc(item.published_at))
        entry.category([{"term": item.category_label}, *({"term": t} for t in item.tags)])
        if item.kim_name:
            entry.dc.dc_creator(item.kim_name)
        if item.image:
            kind = _image_type(item.image)
            if kind is not None:
                entry.enclosure(item.image, "0", kind)
    document: bytes = fg.rss_str(pretty=False)
    return document


def _json_item(item: FeedItem) -> Any:
    tags = list(dict.fromkeys((item.category_label, *item.tags)))
    return jsonfeed.Item(
        id=item.id,
        url=item.url,
        title=item.title,
        content_html=item.content_html or None,
        # JSON Feed 1.1: an item needs content_html or content_text.
        content_text=None if item.content_html else (item.summary or item.title),
        summary=item.summary or None,
        image=item.image,
        date_published=_rfc3339(item.published_at),
        date_modified=_rfc3339(item.updated_at),
        authors=[jsonfeed.Author(name=item.kim_name)] if item.kim_name else None,
        tags=tags,
    )


def json_feed(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """A JSON Feed 1.1 document (UTF-8) with the items in the given order."""
    feed = jsonfeed.Feed(
        title=info.title,
        home_page_url=info.home_url,
        feed_url=info.feed_url,
        description=info.description,
        language=info.language,
        items=[_json_item(item) for item in items],
    )
    written: dict[str, Any] = json.loads(feed.to_json())
    # jsonfeed-util 1.2.0 accepts `language` but never writes it: put it before `items`.
    document = {key: value for key, value in written.items() if key != "items"}
    document["language"] = info.language
    document["items"] = written["items"]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
