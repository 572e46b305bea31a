"""Trainings: the catalogue, registration with capacity and a waitlist, promotion exactly
once under concurrent cancellations, bad input refused with nothing stored, and no names in
events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from kim_shared.service import Runtime

from .trainings_support import (
    MADIUN,
    MADIUN_DESA,
    PONOROGO,
    TUGUREJO,
    Auth,
    Registry,
    count,
    member,
    operator,
    outbox_payloads,
    register,
    schedule,
    slug,
    training_body,
)

pytestmark = pytest.mark.integration

NAMES = {f"m{n}": f"Peserta Nomor {n} Wibowo" for n in range(8)}


async def _kim(registry: Registry) -> None:
    await registry.kim(TUGUREJO, dict.fromkeys(NAMES, "anggota"))


async def test_catalogue_is_public_and_events_are_staged(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    training = await schedule(http, auth, online_url="https://zoom.us/j/123")
    assert training["required_days"] == 2
    assert training["days"] == ["2027-02-09", "2027-02-10"]  # its working days
    assert training["seats_left"] == 2
    listed = (await http.get("/trainings", params={"kabupaten": PONOROGO})).json()
    assert [t["id"] for t in listed] == [training["id"]]
    assert (await http.get(f"/trainings/{training['id']}")).json()["title"] == training["title"]
    assert (await http.get("/trainings", params={"kabupaten": MADIUN})).json() == []
    types = [p["type"] for p in await outbox_payloads(runtime)]
    assert "kim.mentoring.training.scheduled.v1" in types
    assert "kim.mentoring.training_state.changed.v1" in types


async def test_capacity_then_waitlist_then_promotion(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await _kim(registry)
    training = await schedule(http, auth, capacity=2)
    tid = training["id"]
    answers = [await register(http, auth, tid, f"m{n}", NAMES[f"m{n}"]) for n in range(4)]
    assert [r.status_code for r in answers] == [201] * 4, [r.text for r in answers]
    assert [r.json()["status"] for r in answers] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    again = await register(http, auth, tid, "m0", NAMES["m0"])
    assert again.status_code == 409
    assert slug(again) == "already-registered"

    first = answers[0].json()["id"]
    r = await http.post(
        f"/trainings/{tid}/registrations/{first}/cancel", headers=member(auth, "m0")
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    regs = (await http.get(f"/trainings/{tid}/registrations", headers=operator(auth))).json()
    by_id = {x["id"]: x for x in regs}
    assert by_id[answers[2].json()["id"]]["status"] == "confirmed"
    assert by_id[answers[2].json()["id"]]["promoted"] is True
    assert by_id[answers[3].json()["id"]]["status"] == "waitlisted"
    assert (await http.get(f"/trainings/{tid}")).json()["confirmed"] == 2

    twice = await http.post(
        f"/trainings/{tid}/registrations/{first}/cancel", headers=member(auth, "m0")
    )
    assert twice.status_code == 409
    assert slug(twice) == "not-live"
    other = await http.post(
        f"/trainings/{tid}/registrations/{answers[1].json()['id']}/cancel",
        headers=member(auth, "m5"),
    )
    assert other.status_code == 404


async def test_concurrent_cancellations_promote_once_per_freed_seat(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await _kim(registry)
    training = await schedule(http, auth, capacity=3)
    tid = training["id"]
    regs = [(await register(http, auth, tid, f"m{n}", NAMES[f"m{n}"])).json() for n in range(7)]
    assert [r["status"] for r in regs] == ["confirmed"] * 3 + ["waitlisted"] * 4

    def cancel(n: int) -> Any:
        return http.post(
            f"/trainings/{tid}/registrations/{regs[n]['id']}/cancel",
            headers=member(auth, f"m{n}"),
        )

    # Two confirmed participants cancel, each twice at once (a double tap).
    answers = await asyncio.gather(cancel(0), cancel(1), cancel(0), cancel(1))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 200, 409, 409], [r.text for r in answers]

    now = (await http.get(f"/trainings/{tid}/registrations", headers=operator(auth))).json()
    status = {r["id"]: r["status"] for r in now}
    assert [status[r["id"]] for r in regs] == [
        "cancelled",
        "cancelled",
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert (await http.get(f"/trainings/{tid}")).json()["confirmed"] == 3
    promoted = [
        p["data"]["registration_id"]
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.mentoring.training.registration_confirmed.v1" and p["data"]["promoted"]
    ]
    assert sorted(promoted) == sorted([regs[3]["id"], regs[4]["id"]])


async def test_bad_input_is_refused_and_nothing_stored(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await _kim(registry)
    await registry.kim(MADIUN_DESA, {"madiun-1": "anggota"})
    r = await http.post(
        "/trainings",
        json=training_body(starts_on="2027-02-10", ends_on="2027-02-09"),
        headers=operator(auth),
    )
    assert r.status_code == 422, r.text
    assert slug(r) == "invalid-training"
    assert r.json()["errors"][0]["field"] == "body.ends_on"
    for starts_on, named in (
        ("2026-12-25", "national holiday: Kelahiran Yesus Kristus"),
        ("2026-12-24", "cuti bersama: Kelahiran Yesus Kristus"),
        ("2027-02-06", "a Saturday"),
    ):
        r = await http.post(
            "/trainings",
            json=training_body(starts_on=starts_on, ends_on="2027-02-10"),
            headers=operator(auth),
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "body.starts_on"
        assert named in r.json()["errors"][0]["message"]
    for capacity in (0, -3):
        r = await http.post(
            "/trainings", json=training_body(capacity=capacity), headers=operator(auth)
        )
        assert r.status_code == 422, r.text
    r = await http.post("/trainings", json=training_body(skill="memasak"), headers=operator(auth))
    assert r.status_code == 422
    r = await http.post("/trainings", json=training_body(), headers=operator(auth, region=MADIUN))
    assert r.status_code == 403
    assert await count(runtime, "trainings") == 0

    training = await schedule(http, auth, capacity=1, waitlist=False)
    tid = training["id"]
    assert (await register(http, auth, tid, "m0", NAMES["m0"])).status_code == 201
    full = await register(http, auth, tid, "m1", NAMES["m1"])
    assert full.status_code == 409, full.text
    assert slug(full) == "training-full"
    outsider = await http.post(
        f"/trainings/{tid}/registrations",
        json={"participant_name": "Orang Madiun"},
        headers=member(auth, "madiun-1", region=MADIUN),
    )
    assert outsider.status_code == 404
    # A Madiun member with a token scoped to Ponorogo is still not a member there.
    scoped = await http.post(
        f"/trainings/{tid}/registrations",
        json={"participant_name": "Orang Madiun"},
        headers=member(auth, "madiun-1"),
    )
    assert scoped.status_code == 404
    assert await count(runtime, "training_registrations") == 1


async def test_events_carry_no_names(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await _kim(registry)
    training = await schedule(http, auth, capacity=1)
    tid = training["id"]
    for n in range(3):
        assert (await register(http, auth, tid, f"m{n}", NAMES[f"m{n}"])).status_code == 201
    text = json.dumps(await outbox_payloads(runtime))
    for sub, name in NAMES.items():
        assert name not in text
        assert f'"{sub}"' not in text


async def test_concurrent_registrations_fill_seats_then_the_waitlist(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await _kim(registry)
    training = await schedule(http, auth, capacity=3)
    tid = training["id"]
    answers = await asyncio.gather(
        *(register(http, auth, tid, sub, name) for sub, name in NAMES.items())
    )
    assert [r.status_code for r in answers] == [201] * len(NAMES), [r.text for r in answers]
    statuses = sorted(r.json()["status"] for r in answers)
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * (len(NAMES) - 3)
    assert (await http.get(f"/trainings/{tid}")).json()["seats_left"] == 0


async def test_an_officer_with_a_village_scoped_token_registers(
    http: httpx.AsyncClient, auth: Auth, registry: Registry
) -> None:
    await registry.kim(TUGUREJO, {"ketua-1": "ketua"})
    training = await schedule(http, auth)
    r = await http.post(
        f"/trainings/{training['id']}/registrations",
        json={"participant_name": "Ketua KIM Tugurejo"},
        headers=auth("pengelola_kim", sub="ketua-1", region=TUGUREJO),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed"
