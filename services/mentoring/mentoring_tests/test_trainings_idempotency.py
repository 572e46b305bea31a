"""Scheduling and registering with an Idempotency-Key happen once, and the training's state
snapshots count seats and the waitlist."""

from __future__ import annotations

import httpx
import pytest

from kim_shared.service import Runtime

from .trainings_support import (
    TUGUREJO,
    Auth,
    Registry,
    count,
    member,
    operator,
    outbox_payloads,
    training_body,
)

pytestmark = pytest.mark.integration


async def test_repeated_keys_schedule_and_register_once(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, runtime: Runtime
) -> None:
    await registry.kim(TUGUREJO, {"ani": "ketua", "eko": "anggota"})
    headers = {**operator(auth), "Idempotency-Key": "diklat-1"}
    body = training_body(capacity=1)
    first = await http.post("/trainings", json=body, headers=headers)
    again = await http.post("/trainings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert await count(runtime, "trainings") == 1
    tid = first.json()["id"]

    url = f"/trainings/{tid}/registrations"
    ani = {**member(auth, "ani"), "Idempotency-Key": "daftar-1"}
    one = await http.post(url, json={"participant_name": "Ani Suryani"}, headers=ani)
    two = await http.post(url, json={"participant_name": "Ani Suryani"}, headers=ani)
    assert one.status_code == two.status_code == 201, two.text
    assert one.json()["id"] == two.json()["id"]
    eko = await http.post(
        url, json={"participant_name": "Eko Prasetyo"}, headers=member(auth, "eko")
    )
    assert eko.json()["status"] == "waitlisted"
    assert await count(runtime, "training_registrations") == 2

    payloads = await outbox_payloads(runtime)
    confirmed = [
        p for p in payloads if p["type"] == "kim.mentoring.training.registration_confirmed.v1"
    ]
    assert len(confirmed) == 1
    states = [p["data"] for p in payloads if p["type"] == "kim.mentoring.training_state.changed.v1"]
    assert [s["sequence"] for s in states] == [1, 2, 3]
    assert (states[-1]["confirmed"], states[-1]["waiting"]) == (1, 1)
