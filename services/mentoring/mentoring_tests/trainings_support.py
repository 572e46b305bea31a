"""What the training tests share: helpers to schedule trainings and register for them (the
service fixtures and the registry stand-in come from the kit, see ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import httpx
import pytest

from kim_devstack.standins import (
    MADIUN,
    MADIUN_DESA,
    PONOROGO,
    TUGUREJO,
    Registry,
    count,
    outbox_payloads,
)
from kim_mentoring.trainings import api as trainings_api
from kim_shared.clock import WIB

__all__ = ["MADIUN", "MADIUN_DESA", "PONOROGO", "TUGUREJO", "Registry", "count", "outbox_payloads"]

BASE_URL = "https://kim.example/mentoring"

Auth = Callable[..., dict[str, str]]


#: Tuesday and Wednesday, working days (Friday 5 February 2027 is a holiday).
STARTS_ON = date(2027, 2, 9)
ENDS_ON = date(2027, 2, 10)


def training_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Diklat Jurnalistik Dasar KIM Ponorogo",
        "skill": "jurnalistik",
        "level": "dasar",
        "kabupaten_code": PONOROGO,
        "venue": "Aula Diskominfo Ponorogo",
        "starts_on": STARTS_ON.isoformat(),
        "ends_on": ENDS_ON.isoformat(),
        "capacity": 2,
        "waitlist": True,
        "audience": "KIM baru",
        "prerequisites": "Membawa laptop atau ponsel.",
    }
    body.update(overrides)
    return body


def operator(auth: Auth, region: str = PONOROGO) -> dict[str, str]:
    return auth("operator_kabupaten", sub=f"op-{region}", region=region)


async def schedule(http: httpx.AsyncClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    r = await http.post("/trainings", json=training_body(**overrides), headers=operator(auth))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def member(auth: Auth, sub: str, region: str = PONOROGO) -> dict[str, str]:
    return auth("anggota_kim", sub=sub, region=region)


async def register(
    http: httpx.AsyncClient, auth: Auth, training_id: str, sub: str, name: str
) -> httpx.Response:
    return await http.post(
        f"/trainings/{training_id}/registrations",
        json={"participant_name": name},
        headers=member(auth, sub),
    )


def slug(r: httpx.Response) -> str:
    problem: dict[str, Any] = r.json()
    return str(problem["type"]).rsplit("/", 1)[-1]


def service_day(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """The trainings API's clock at 15:00 WIB on ``day`` (attendance is recorded from the day
    itself on, so a test of a training in 2027 moves the clock there)."""
    moment = datetime.combine(day, time(15), WIB)
    monkeypatch.setattr(trainings_api, "_now", lambda: moment)
