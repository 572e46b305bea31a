"""The whole moderation workflow through HTTP: rejection with a reason, revision and
resubmission, approval; readers' reports hide an article behind an urgent case; appeals go
back to the queue; staff take down and restore; the audit log lists every step."""

from __future__ import annotations

from typing import Any

import pytest

from .support import MADIUN, PONOROGO, article_body, submit, write

pytestmark = pytest.mark.integration


async def _open_case(http, staff, article_id: str, kind: str) -> dict[str, Any]:
    r = await http.get(
        "/moderation/cases", params={"kabupaten": PONOROGO, "kind": kind}, headers=staff
    )
    assert r.status_code == 200, r.text
    found = [c for c in r.json() if c["subject_id"] == article_id]
    assert len(found) == 1, r.json()
    case: dict[str, Any] = found[0]
    return case


async def _decide(http, staff, case_id: str, **body: Any) -> dict[str, Any]:
    assert (await http.post(f"/moderation/cases/{case_id}/claim", headers=staff)).status_code == 200
    r = await http.post(f"/moderation/cases/{case_id}/decision", json=body, headers=staff)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def _published(http, auth, registry) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    ops = auth("operator_kabupaten", sub="ops", region=PONOROGO)
    article = await write(http, siti, kim)
    assert (await submit(http, siti, article["id"])).status_code == 200
    case = await _open_case(http, ops, article["id"], "submission")
    await _decide(http, ops, case["id"], decision="approve")
    view = (await http.get(f"/articles/{article['id']}", headers=siti)).json()
    assert view["status"] == "published"
    return view, siti, ops


async def test_reject_revise_resubmit_approve(http, auth, registry, runtime) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    ops = auth("operator_kabupaten", sub="ops", region=PONOROGO)
    article = await write(http, siti, kim)
    assert (await submit(http, siti, article["id"])).json()["status"] == "diskominfo_review"

    case = await _open_case(http, ops, article["id"], "submission")
    assert case["title"] == article["content"]["title"]
    assert case["verdict"] is not None
    detail = (await http.get(f"/moderation/cases/{case['id']}", headers=ops)).json()
    assert detail["content"]["number"] == 1
    assert detail["screening"] is not None

    # a decision needs a reason, and the right word for the kind of case
    await http.post(f"/moderation/cases/{case['id']}/claim", headers=ops)
    r = await http.post(
        f"/moderation/cases/{case['id']}/decision", json={"decision": "reject"}, headers=ops
    )
    assert r.status_code == 422
    r = await http.post(
        f"/moderation/cases/{case['id']}/decision", json={"decision": "uphold"}, headers=ops
    )
    assert r.status_code == 422
    decided = await _decide(
        http,
        ops,
        case["id"],
        decision="reject",
        reason_code="kualitas",
        feedback="Tambahkan waktu dan tempat kegiatan.",
    )
    assert decided["decision"] == "rejected"
    r = await http.get(f"/articles/{article['id']}", headers=siti)
    assert (r.json()["status"], r.json()["reason_code"]) == ("rejected", "kualitas")

    # the author revises (If-Match) and resubmits: a new case
    body = article_body(kim, body="Kerja bakti hari Minggu pukul 07.00 di saluran RT 02.")
    del body["kim_id"]
    r = await http.put(
        f"/articles/{article['id']}", json=body, headers={**siti, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200, r.text
    assert (await submit(http, siti, article["id"])).json()["status"] == "diskominfo_review"
    again = await _open_case(http, ops, article["id"], "submission")
    assert again["id"] != case["id"]
    assert again["revision"] == 2
    await _decide(http, ops, again["id"], decision="approve")
    assert (await http.get(f"/articles/{article['id']}", headers=siti)).json()[
        "status"
    ] == "published"

    audit = (await http.get(f"/moderation/cases/{case['id']}/audit", headers=ops)).json()
    assert [e["action"] for e in audit] == ["open", "claim", "claim", "decide"]
    assert audit[-1]["detail"]["reason_code"] == "kualitas"

    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_type, payload FROM outbox")
    assert rows
    for row in rows:
        text = str(row["payload"])
        assert "siti" not in text, row["event_type"]
        assert "author" not in text, row["event_type"]


async def test_reports_hide_then_appeal_then_takedown_and_restore(http, auth, registry) -> None:
    article, siti, ops = await _published(http, auth, registry)
    aid = article["id"]
    url = f"/public/articles/{aid}/reports"

    assert (await http.post(url, json={"reason_code": "hoaks"})).status_code == 401
    r1 = await http.post(url, json={"reason_code": "hoaks"}, headers=auth(sub="r1"))
    assert r1.status_code == 201, r1.text
    again = await http.post(url, json={"reason_code": "spam"}, headers=auth(sub="r1"))
    assert (again.status_code, again.json()["reason_code"]) == (200, "hoaks")
    r2 = await http.post(url, json={"reason_code": "sara"}, headers=auth(sub="r2"))
    assert (r2.status_code, r2.json()["hidden"]) == (201, False)
    r3 = await http.post(url, json={"reason_code": "hoaks"}, headers=auth(sub="r3"))
    assert (r3.status_code, r3.json()["hidden"]) == (201, True)
    r4 = await http.post(url, json={"reason_code": "hoaks"}, headers=auth(sub="r4"))
    assert r4.status_code == 409

    view = (await http.get(f"/articles/{aid}", headers=siti)).json()
    assert (view["hidden"], view["reason_code"]) == (True, "hoaks")
    case = await _open_case(http, ops, aid, "report")
    assert case["urgent"]
    detail = (await http.get(f"/moderation/cases/{case['id']}", headers=ops)).json()
    assert {c["reason_code"]: c["reporters"] for c in detail["reports"]} == {"hoaks": 2, "sara": 1}

    # the author appeals the hiding: one open appeal only; someone else cannot appeal
    appeal = await http.post(
        f"/articles/{aid}/appeal",
        json={"statement": "Berita ini benar, ada fotonya."},
        headers=siti,
    )
    assert appeal.status_code == 201, appeal.text
    r = await http.post(f"/articles/{aid}/appeal", json={"statement": "Lagi."}, headers=siti)
    assert r.status_code == 409
    other = auth("anggota_kim", sub="budi", region=PONOROGO)
    assert (
        await http.post(f"/articles/{aid}/appeal", json={"statement": "x"}, headers=other)
    ).status_code == 404
    appeal_case = await _open_case(http, ops, aid, "appeal")
    await _decide(http, ops, appeal_case["id"], decision="grant")
    view = (await http.get(f"/articles/{aid}", headers=siti)).json()
    assert (view["status"], view["hidden"]) == ("published", False)
    # the report round ended with the appeal (dismissed)
    audit = (await http.get(f"/moderation/cases/{case['id']}/audit", headers=ops)).json()
    assert [e["action"] for e in audit] == ["open", "report", "report", "report", "decide"]

    # staff take it down and restore it; others 404, wrong states 409
    madiun = auth("operator_kabupaten", sub="m", region=MADIUN)
    body = {"reason_code": "hoaks", "note": "Klarifikasi dari dinas."}
    assert (
        await http.post(f"/articles/{aid}/takedown", json=body, headers=madiun)
    ).status_code == 404
    r = await http.post(f"/articles/{aid}/takedown", json=body, headers=ops)
    assert (r.status_code, r.json()["status"]) == (200, "taken_down")
    assert (await http.post(f"/articles/{aid}/takedown", json=body, headers=ops)).status_code == 409
    assert (await http.post(f"/articles/{aid}/restore", headers=madiun)).status_code == 404
    r = await http.post(f"/articles/{aid}/restore", headers=ops)
    assert (r.status_code, r.json()["status"]) == (200, "published")
    assert (await http.post(f"/articles/{aid}/restore", headers=ops)).status_code == 409


async def test_appeal_of_a_takedown_denied_then_a_rejection_granted(http, auth, registry) -> None:
    article, siti, ops = await _published(http, auth, registry)
    aid = article["id"]
    await http.post(f"/articles/{aid}/takedown", json={"reason_code": "sara"}, headers=ops)
    r = await http.post(
        f"/articles/{aid}/appeal", json={"statement": "Mohon ditinjau."}, headers=siti
    )
    assert r.status_code == 201, r.text
    case = await _open_case(http, ops, aid, "appeal")
    decided = await _decide(http, ops, case["id"], decision="deny", reason_code="sara")
    assert decided["decision"] == "rejected"
    assert (await http.get(f"/articles/{aid}", headers=siti)).json()["status"] == "taken_down"
    # a second appeal after the first was decided opens a new case; granted → restored
    r = await http.post(
        f"/articles/{aid}/appeal", json={"statement": "Sudah diperbaiki."}, headers=siti
    )
    assert r.status_code == 201
    case = await _open_case(http, ops, aid, "appeal")
    await _decide(http, ops, case["id"], decision="grant")
    assert (await http.get(f"/articles/{aid}", headers=siti)).json()["status"] == "published"
    # a published, visible article has nothing to appeal
    r = await http.post(f"/articles/{aid}/appeal", json={"statement": "?"}, headers=siti)
    assert r.status_code == 409
