"""The moderation queue of a kabupaten: deadline order, filters, claims (one of two
concurrent claims wins), holders only, and another kabupaten's cases answer 404."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kim_content.moderation.cases import open_case

from .support import MADIUN, MADIUN_DESA, PONOROGO

pytestmark = pytest.mark.integration


async def _case(runtime, kabupaten: str, kind: str, hours: float, urgent: bool = False) -> str:
    async with runtime.pool.acquire() as conn:
        case_id = await open_case(
            conn,
            subject_type="article",
            subject_id=uuid.uuid4(),
            revision=1,
            kabupaten_code=kabupaten,
            kind=kind,  # type: ignore[arg-type]
            deadline=datetime.now(UTC) + timedelta(hours=hours),
            urgent=urgent,
        )
    return str(case_id)


async def test_queue_order_filters_claims_and_tenants(http, auth, registry, runtime) -> None:
    late = await _case(runtime, PONOROGO, "submission", 20)
    overdue = await _case(runtime, PONOROGO, "appeal", -1)
    urgent = await _case(runtime, PONOROGO, "report", 4, urgent=True)
    soon = await _case(runtime, PONOROGO, "submission", 10)
    madiun = await _case(runtime, MADIUN, "submission", 1)

    ops = auth("operator_kabupaten", sub="ops", region=PONOROGO)
    mod = auth("moderator", sub="mod")
    r = await http.get("/moderation/cases", params={"kabupaten": PONOROGO}, headers=ops)
    assert r.status_code == 200, r.text
    assert [c["id"] for c in r.json()] == [overdue, urgent, soon, late]
    assert r.json()[0]["overdue"]
    assert r.json()[1]["urgent"]

    def ids(resp) -> list[str]:
        assert resp.status_code == 200, resp.text
        return [c["id"] for c in resp.json()]

    q = {"kabupaten": PONOROGO}
    assert ids(
        await http.get("/moderation/cases", params={**q, "kind": "report"}, headers=ops)
    ) == [urgent]
    assert ids(
        await http.get("/moderation/cases", params={**q, "urgent": "true"}, headers=ops)
    ) == [urgent]
    assert ids(
        await http.get("/moderation/cases", params={**q, "overdue": "true"}, headers=ops)
    ) == [overdue]

    # two moderators claim at once: exactly one wins
    a, b = await asyncio.gather(
        http.post(f"/moderation/cases/{soon}/claim", headers=ops),
        http.post(f"/moderation/cases/{soon}/claim", headers=mod),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    winner, loser = (ops, mod) if a.status_code == 200 else (mod, ops)
    holder = "ops" if winner is ops else "mod"
    case = (await http.get(f"/moderation/cases/{soon}", headers=winner)).json()
    assert case["claimed_by"] == holder

    mine = await http.get("/moderation/cases", params={**q, "claimed": "mine"}, headers=winner)
    assert ids(mine) == [soon]
    free = await http.get("/moderation/cases", params={**q, "claimed": "unclaimed"}, headers=loser)
    assert soon not in ids(free)

    # the other moderator may neither release nor decide it
    assert (await http.post(f"/moderation/cases/{soon}/release", headers=loser)).status_code == 409
    r = await http.post(
        f"/moderation/cases/{soon}/decision", json={"decision": "approve"}, headers=loser
    )
    assert r.status_code == 409
    assert (await http.post(f"/moderation/cases/{soon}/release", headers=winner)).status_code == 200
    assert (await http.post(f"/moderation/cases/{soon}/claim", headers=loser)).status_code == 200

    # an expired claim can be taken
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE moderation_cases SET claimed_by = 'gone',"
            " claimed_at = now() - interval '3 hours'"
            " WHERE id = $1",
            uuid.UUID(late),
        )
    assert (await http.post(f"/moderation/cases/{late}/claim", headers=ops)).status_code == 200

    # Madiun's operator: an empty Ponorogo queue, 404 on every Ponorogo case endpoint
    other = auth("operator_kabupaten", sub="madiun-ops", region=MADIUN)
    assert (await http.get("/moderation/cases", params=q, headers=other)).json() == []
    for path in ("", "/audit"):
        assert (
            await http.get(f"/moderation/cases/{urgent}{path}", headers=other)
        ).status_code == 404
    for action in ("claim", "release"):
        r = await http.post(f"/moderation/cases/{urgent}/{action}", headers=other)
        assert r.status_code == 404
    r = await http.post(
        f"/moderation/cases/{urgent}/decision", json={"decision": "dismiss"}, headers=other
    )
    assert r.status_code == 404
    assert ids(
        await http.get("/moderation/cases", params={"kabupaten": MADIUN}, headers=other)
    ) == [madiun]
    # a Ponorogo operator does not see Madiun's either; a writer has no queue at all
    assert (await http.get(f"/moderation/cases/{madiun}", headers=ops)).status_code == 404
    writer = auth("anggota_kim", sub="siti", region=MADIUN_DESA)
    assert (await http.get("/moderation/cases", params=q, headers=writer)).status_code == 403

    audit = (await http.get(f"/moderation/cases/{soon}/audit", headers=ops)).json()
    assert [e["action"] for e in audit] == ["open", "claim", "release", "claim"]
