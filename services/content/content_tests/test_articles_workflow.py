"""The article workflow through the API: screening blocks with exact places, KIM editor
review, trusted authors, scheduling, revisions kept, invalid transitions 409, and the
events each step stages (never an author's identity)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from kim_content.articles import publication
from kim_content.articles.scheduler import publish_once
from kim_content.articles.steps import Actor

from .support import PONOROGO, submit, write

pytestmark = pytest.mark.integration

NIK = "3502011201900001"


async def _outbox(runtime: Any) -> list[tuple[str, dict[str, Any]]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_type, payload FROM outbox ORDER BY id")
    return [(r["event_type"], json.loads(bytes(r["payload"]))) for r in rows]


async def _decide(runtime: Any, article_id: str, approve: bool, reason: str | None = None) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await publication.decide(
            conn,
            runtime.source,
            UUID(article_id),
            approve=approve,
            reason_code=reason,  # type: ignore[arg-type]
            feedback="Sumber belum jelas" if not approve else None,
            actor=Actor("mod-1", "moderator"),
            now=datetime.now(UTC),
        )


async def test_personal_data_blocks_with_exact_places_until_removed(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    body = f"Bantuan diterima Pak Darmo, NIK {NIK}, hubungi 0812-3456-7890."
    article = await write(http, siti, kim, body=body)
    r = await submit(http, siti, article["id"])
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["status"], got["reason_code"]) == ("rejected", "data_pribadi")
    findings = got["screening"]["findings"]
    places = {(f["field"], f["start"], f["end"]) for f in findings}
    start = body.index(NIK)
    assert ("body", start, start + 16) in places
    phone = body.index("0812")
    assert ("body", phone, phone + len("0812-3456-7890")) in places
    assert got["screening"]["verdict"] == "block"
    assert got["screening"]["reasons"]
    assert NIK not in json.dumps(got["screening"])  # findings never repeat the value
    # the author masks the data, revises and resubmits: it goes on to review
    fixed = body.replace(NIK, "35**************").replace("0812-3456-7890", "08**-****-****")
    r = await http.put(
        f"/articles/{article['id']}",
        json=dict(_content(kim, body=fixed).items()),
        headers={**siti, "If-Match": f'"{got["version"]}"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["current_revision"] == 2
    r = await submit(http, siti, article["id"])
    assert r.json()["status"] == "diskominfo_review", r.json()
    events = await _outbox(runtime)
    assert [t for t, _ in events if t.startswith("kim.content.article.")] == [
        "kim.content.article.submitted.v1",
        "kim.content.article.screened.v1",
        "kim.content.article.rejected.v1",
        "kim.content.article.submitted.v1",
        "kim.content.article.screened.v1",
    ]
    dump = json.dumps([p for _, p in events])
    assert "siti" not in dump
    assert NIK not in dump
    assert "0812" not in dump


def _content(kim: Any, **overrides: Any) -> dict[str, Any]:
    from .support import article_body

    body = article_body(kim, **overrides)
    body.pop("kim_id")
    return body


async def test_rejection_revision_resubmission_and_publication(
    http, auth, registry, runtime
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await write(http, siti, kim)
    await submit(http, siti, article["id"])
    await _decide(runtime, article["id"], approve=False, reason="kualitas")
    r = await http.get(f"/articles/{article['id']}", headers=siti)
    got = r.json()
    assert (got["status"], got["reason_code"], got["feedback"]) == (
        "rejected",
        "kualitas",
        "Sumber belum jelas",
    )
    r = await http.put(
        f"/articles/{article['id']}",
        json=_content(kim, title="Kerja bakti saluran air Desa Tugurejo, Minggu 5 Mei"),
        headers={**siti, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200
    assert (await submit(http, siti, article["id"])).json()["status"] == "diskominfo_review"
    await _decide(runtime, article["id"], approve=True)
    got = (await http.get(f"/articles/{article['id']}", headers=siti)).json()
    assert (got["status"], got["published_revision"]) == ("published", 2)
    revisions = (await http.get(f"/articles/{article['id']}/revisions", headers=siti)).json()
    assert [r["number"] for r in revisions] == [1, 2]
    history = (await http.get(f"/articles/{article['id']}/history", headers=siti)).json()
    assert [h["action"] for h in history] == [
        "create",
        "submit",
        "screen",
        "route",
        "reject",
        "revise",
        "submit",
        "screen",
        "route",
        "approve",
    ]
    types = [t for t, _ in await _outbox(runtime)]
    for expected in (
        "kim.content.article.rejected.v1",
        "kim.content.article.approved.v1",
        "kim.content.article.published.v1",
        "kim.content.article_state.changed.v1",
        "kim.content.moderation.decided.v1",
    ):
        assert expected in types
    # invalid transitions are 409s and change nothing
    r = await submit(http, siti, article["id"])
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (409, "invalid-transition")
    r = await http.put(
        f"/articles/{article['id']}",
        json=_content(kim),
        headers={**siti, "If-Match": f'"{got["version"]}"'},
    )
    assert r.status_code == 409


async def test_a_kim_with_editor_review_sees_articles_first(http, auth, registry, runtime) -> None:
    kim = await registry.kim(members={"siti": "anggota", "budi": "sekretaris"})
    budi = auth("pengelola_kim", sub="budi", region=PONOROGO)
    r = await http.put(
        f"/kim/{kim.kim_id}/content-settings", json={"editor_review": True}, headers=budi
    )
    assert r.status_code == 200
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await write(http, siti, kim)
    assert (await submit(http, siti, article["id"])).json()["status"] == "editor_review"
    # a member who is not an officer cannot decide; the officer returns it with feedback
    r = await http.post(
        f"/articles/{article['id']}/editor-decision",
        json={"decision": "approve"},
        headers=auth("pengelola_kim", sub="siti", region=PONOROGO),
    )
    assert r.status_code == 404
    r = await http.post(
        f"/articles/{article['id']}/editor-decision",
        json={"decision": "return", "feedback": "Tambahkan foto kegiatan."},
        headers=budi,
    )
    assert (r.json()["status"], r.json()["feedback"]) == ("rejected", "Tambahkan foto kegiatan.")
    assert (await submit(http, siti, article["id"])).json()["status"] == "editor_review"
    r = await http.post(
        f"/articles/{article['id']}/editor-decision", json={"decision": "approve"}, headers=budi
    )
    assert r.json()["status"] == "diskominfo_review"
    async with runtime.pool.acquire() as conn:
        cases = await conn.fetchval(
            "SELECT count(*) FROM moderation_cases WHERE subject_id = $1 AND status = 'open'",
            article["id"],
        )
    assert cases == 1


async def test_a_trusted_author_skips_review_when_clean_but_not_when_flagged(
    http, auth, registry, runtime, settings
) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    for i in range(settings.trusted_after_approved):
        a = await write(http, siti, kim, title=f"Kabar kegiatan desa nomor {i + 1}")
        await submit(http, siti, a["id"])
        await _decide(runtime, a["id"], approve=True)
    clean = await write(http, siti, kim, title="Posyandu balita bulan ini berjalan lancar")
    got = (await submit(http, siti, clean["id"])).json()
    assert got["status"] == "published"
    shouting = await write(
        http,
        siti,
        kim,
        title="Pengumuman lomba desa",
        body="AYO IKUT LOMBA DESA SEKARANG JUGA SEMUA WARGA WAJIB DATANG KE BALAI DESA!!!",
    )
    got = (await submit(http, siti, shouting["id"])).json()
    assert got["status"] == "diskominfo_review", got["screening"]


async def test_scheduled_articles_publish_when_due(http, auth, registry, runtime) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    at = datetime.now(UTC) + timedelta(hours=2)
    article = await write(http, siti, kim, scheduled_at=at.isoformat())
    await submit(http, siti, article["id"])
    await _decide(runtime, article["id"], approve=True)
    got = (await http.get(f"/articles/{article['id']}", headers=siti)).json()
    assert got["status"] == "scheduled"
    assert await publish_once(runtime, now=datetime.now(UTC)) == 0
    assert await publish_once(runtime, now=at + timedelta(seconds=1)) == 1
    got = (await http.get(f"/articles/{article['id']}", headers=siti)).json()
    assert got["status"] == "published"


async def test_other_people_do_not_see_drafts(http, auth, registry) -> None:
    kim = await registry.kim(members={"siti": "anggota", "ani": "anggota"})
    article = await write(http, auth("anggota_kim", sub="siti", region=PONOROGO), kim)
    path = f"/articles/{article['id']}"
    assert (
        await http.get(path, headers=auth("anggota_kim", sub="ani", region=PONOROGO))
    ).status_code == 404
    assert (
        await http.get(path, headers=auth("operator_kabupaten", sub="op", region="35.19"))
    ).status_code == 404
    assert (
        await http.get(path, headers=auth("operator_kabupaten", sub="op", region=PONOROGO))
    ).status_code == 200
    assert (await http.get(path, headers=auth("moderator", sub="mod"))).status_code == 200
    assert (await http.get(path)).status_code == 401


async def test_the_workspace_lists_what_each_caller_may_see_a_page_at_a_time(
    http, auth, registry
) -> None:
    kim = await registry.kim(members={"siti": "anggota", "ani": "anggota", "budi": "ketua"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    ids = [(await write(http, siti, kim, title=f"Kabar desa nomor {i}"))["id"] for i in range(3)]
    ani = auth("anggota_kim", sub="ani", region=PONOROGO)
    await write(http, ani, kim, title="Tulisan Ani tentang pasar desa")

    async def listed(headers: dict[str, str], **params: Any) -> dict[str, Any]:
        r = await http.get("/articles", headers=headers, params=params)
        assert r.status_code == 200, r.text
        page: dict[str, Any] = r.json()
        return page

    assert {a["id"] for a in (await listed(siti))["items"]} == set(ids)
    assert len((await listed(auth("pengelola_kim", sub="budi", region=PONOROGO)))["items"]) == 4
    assert len((await listed(auth("operator_kabupaten", sub="op", region=PONOROGO)))["items"]) == 4
    assert (await listed(auth("operator_kabupaten", sub="op", region="35.19")))["items"] == []
    first = await listed(siti, limit=2)
    assert [a["id"] for a in first["items"]] == ids[::-1][:2]
    rest = await listed(siti, limit=2, cursor=first["next_cursor"])
    assert ([a["id"] for a in rest["items"]], rest["next_cursor"]) == ([ids[0]], None)
    r = await http.get("/articles", headers=siti, params={"cursor": "bm9wZQ=="})
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "query.cursor")
