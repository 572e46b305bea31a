"""Experts and help requests: automatic assignment by free capacity, reassignment, the
status flow, bad input and the events (never personal data)."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    DESCRIPTION,
    MADIUN,
    MADIUN_DESA,
    PONOROGO,
    count,
    open_request,
    outbox_payloads,
    put_expert,
)

pytestmark = pytest.mark.integration


async def test_assignment_by_free_capacity_then_fewest_open(http, auth, registry, runtime) -> None:
    await put_expert(http, auth, "ahli-a", weekly_capacity=2)
    await put_expert(http, auth, "ahli-b", weekly_capacity=3)
    await put_expert(http, auth, "ahli-foto", skills=["fotografi"], weekly_capacity=9)
    await put_expert(http, auth, "ahli-off", weekly_capacity=9, active=False)
    kim = await registry.kim(members={"ketua-kim": "ketua", "warga": "anggota"})
    member = auth("anggota_kim", sub="warga", region=PONOROGO)
    picked = []
    for _ in range(6):
        r = await open_request(http, member, kim.kim_id)
        assert r.status_code == 201, r.text
        picked.append(r.json()["expert_subject"])
    assert picked == ["ahli-b", "ahli-a", "ahli-b", "ahli-a", "ahli-b", None]
    last = r.json()
    assert last["status"] == "requested"
    assert last["sla_due_at"] > last["opened_at"]

    # An operator gives the waiting request to an expert with room; others cannot.
    url = f"/help-requests/{last['id']}/assign"
    madiun = auth("operator_kabupaten", region=MADIUN)
    r = await http.post(url, json={"expert_subject": "ahli-foto"}, headers=madiun)
    assert r.status_code == 404, r.text
    ponorogo = auth("operator_kabupaten", region=PONOROGO)
    r = await http.post(url, json={"expert_subject": "ahli-foto"}, headers=ponorogo)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body.expert_subject")
    await put_expert(http, auth, "ahli-c", weekly_capacity=1)
    r = await http.post(url, json={"expert_subject": "ahli-c"}, headers=ponorogo)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["expert_subject"]) == ("assigned", "ahli-c")

    # Done only after a session; cancel works; invalid transitions are 409.
    done = {"outcome": "Berita sudah terbit", "rating": 5}
    officer = auth("pengelola_kim", sub="ketua-kim", region=PONOROGO)
    r = await http.post(f"/help-requests/{last['id']}/done", json=done, headers=officer)
    assert r.status_code == 409, r.text
    r = await http.post(f"/help-requests/{last['id']}/cancel", headers=officer)
    assert r.json()["status"] == "cancelled"
    r = await http.post(url, json={"expert_subject": "ahli-c"}, headers=ponorogo)
    assert r.status_code == 409, r.text

    payloads = await outbox_payloads(runtime)
    types = [p["type"] for p in payloads]
    assert types.count("kim.mentoring.request.opened.v1") == 6
    assert types.count("kim.mentoring.request.assigned.v1") == 6
    text = str(payloads)
    for personal in (DESCRIPTION, "warga", "ketua-kim", "ahli-a", "ahli-b", "ahli-c"):
        assert personal not in text


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown skill", {"skill": "sulap"}, "body.skill"),
    ("unknown mode", {"mode": "telepati"}, "body.mode"),
    ("short description", {"description": "tolong"}, "body.description"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_request_is_a_specific_422_and_stores_nothing(
    http, auth, registry, runtime, case, change, field
) -> None:
    del case
    kim = await registry.kim(members={"warga": "anggota"})
    r = await open_request(
        http, auth("anggota_kim", sub="warga", region=PONOROGO), kim.kim_id, **change
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert await count(runtime, "help_requests") == 0
    assert await count(runtime, "outbox") == 0


async def test_member_of_another_kabupaten_gets_404(http, auth, registry, runtime) -> None:
    ponorogo_kim = await registry.kim(members={"warga": "anggota"})
    await registry.kim(MADIUN_DESA, members={"orang-madiun": "ketua"})
    for headers in (
        auth("pengelola_kim", sub="orang-madiun", region=MADIUN),
        auth("pengelola_kim", sub="orang-madiun", region=PONOROGO),
    ):
        r = await open_request(http, headers, ponorogo_kim.kim_id)
        assert r.status_code == 404, r.text
    assert await count(runtime, "help_requests") == 0


async def test_expert_bad_input(http, auth, registry, runtime) -> None:
    op = auth("operator_kabupaten", region=PONOROGO)
    cases = [
        ({"kabupaten_code": PONOROGO, "skills": ["sulap"], "weekly_capacity": 1}, "body.skills[0]"),
        (
            {"kabupaten_code": PONOROGO, "skills": ["desain"], "weekly_capacity": 0},
            "body.weekly_capacity",
        ),
        (
            {"kabupaten_code": MADIUN, "skills": ["desain"], "weekly_capacity": 1},
            "body.kabupaten_code",
        ),
    ]
    for body, field in cases:
        r = await http.put("/experts/ahli", json=body, headers=op)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert await count(runtime, "experts") == 0


async def test_operators_list_their_kabupatens_experts_only(http, auth, registry) -> None:
    await put_expert(http, auth, "ahli-a")
    ponorogo = auth("operator_kabupaten", sub="op", region=PONOROGO)
    r = await http.get("/experts", params={"kabupaten_code": PONOROGO}, headers=ponorogo)
    assert [e["subject"] for e in r.json()] == ["ahli-a"]
    madiun = auth("operator_kabupaten", sub="op-madiun", region=MADIUN)
    r = await http.get("/experts", params={"kabupaten_code": PONOROGO}, headers=madiun)
    assert (r.status_code, r.json()) == (200, [])
