"""Bad input is a specific 4xx problem and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kim_content.publishing.render import render_markdown

from .support import PONOROGO, article_body, write

pytestmark = pytest.mark.integration

_PAST = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("empty title", {"title": ""}, 422, "body.title"),
    ("blank title", {"title": "     "}, 422, "body.title"),
    ("zero-width title", {"title": "Kerja\u200bbakti desa"}, 422, "body.title"),
    ("body over the limit", {"body": "a" * 50_001}, 422, "body.body"),
    ("unknown category", {"category": "gosip"}, 422, "body.category"),
    (
        "malformed media URL",
        {"media": [{"url": "not a url", "alt": "foto"}]},
        422,
        "body.media[0].url",
    ),
    (
        "http media",
        {"media": [{"url": "http://x.id/a.jpg", "alt": "foto"}]},
        422,
        "body.media[0].url",
    ),
    (
        "javascript cover",
        {"cover": {"url": "javascript:alert(1)", "alt": "x"}},
        422,
        "body.cover.url",
    ),
    ("media without alt", {"media": [{"url": "https://x.id/a.jpg"}]}, 422, "body.media[0].alt"),
    (
        "too many media",
        {"media": [{"url": f"https://x.id/{i}.jpg", "alt": "f"} for i in range(7)]},
        422,
        "body.media",
    ),
    ("scheduled in the past", {"scheduled_at": _PAST}, 422, "body.scheduled_at"),
    ("agenda without date", {"category": "agenda"}, 422, "body"),
    ("duplicate tags", {"tags": ["desa", "Desa"]}, 422, "body"),
    ("unknown field", {"author_name": "Siti"}, 422, "body.author_name"),
    ("bad village code", {"village_code": "35.02.01"}, 422, "body.village_code"),
]


@pytest.mark.parametrize(("case", "change", "status", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_articles_are_refused_and_nothing_is_stored(
    http, auth, registry, runtime, case, change, status, field
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    r = await http.post("/articles", json=article_body(kim, **change), headers=siti)
    assert r.status_code == status, (case, r.text)
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in problem.get("errors", [])]
    assert any(f == field or f.startswith(field + ".") for f in fields), (case, fields)
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM articles") == 0
        assert await conn.fetchval("SELECT count(*) FROM article_revisions") == 0


async def test_script_in_markdown_is_kept_as_written_and_rendered_inert(
    http, auth, registry
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    body = "Halo <script>alert('x')</script> warga\n\n[klik](javascript:alert(1))"
    article = await write(http, siti, kim, body=body)
    assert article["content"]["body"] == body
    html = render_markdown(body)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


async def test_a_stale_revision_is_412_and_a_missing_if_match_428(http, auth, registry) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await write(http, siti, kim)
    content = article_body(kim)
    content.pop("kim_id")
    r = await http.put(f"/articles/{article['id']}", json=content, headers=siti)
    assert r.status_code == 428
    r = await http.put(
        f"/articles/{article['id']}", json=content, headers={**siti, "If-Match": '"99"'}
    )
    assert r.status_code == 412
