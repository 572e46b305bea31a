"""Helpers shared by the ``test_groups_*`` modules (this module holds no tests).

NIKs are built from their parts (``PP KK CC DDMMYY SSSS``) so each test states
the birth date and gender it relies on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"
TUGUREJO = "35.02.01.2001"  # desa in Kecamatan Slahung, Ponorogo
SENEPO = "35.02.01.2002"
RONOWIJAYAN = "35.02.10.1017"  # a kelurahan in Ponorogo
TAMBAKMAS = "35.19.01.2001"  # desa in Kabupaten Madiun (another tenant)

Auth = Callable[..., dict[str, str]]


def make_nik(
    born: date, *, female: bool = False, district: str = "350201", serial: str = "0001"
) -> str:
    day = born.day + (40 if female else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial}"


def operator(auth: Auth, region: str = PONOROGO, sub: str = "op-ponorogo") -> dict[str, str]:
    return auth("operator_kabupaten", region=region, sub=sub)


def pengelola(auth: Auth, kim_id: str, sub: str = "pengelola-1") -> dict[str, str]:
    return auth("pengelola_kim", region=PONOROGO, kim_ids=(kim_id,), sub=sub)


def kim_body(village: str = TUGUREJO, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "KIM Tugu Media",
        "village_code": village,
        "founded_on": "2021-03-01",
        "sk_number": "141/12/405.29.01.2001/2021",
        "sk_date": "2021-03-15",
        "sk_issuer": "kepala_desa",
        "legal_basis": "Surat Edaran Bupati Ponorogo 555/1234/405.14/2020",
        "contact_channel": "kimtugumedia@example.id",
        "links": ["https://tugurejo.example.id/kim"],
        "kim_id_number": "KIM-3502-0001",
    }
    body.update(extra)
    return body


PEOPLE: dict[str, tuple[str, date, bool]] = {
    "ketua": ("Sutrisno Hadi", date(1980, 5, 17), False),
    "sekretaris": ("Siti Aminah", date(1992, 11, 3), True),
    "bendahara": ("Rahayu Lestari", date(1988, 1, 25), True),
    "anggota": ("Bayu Saputra", date(2001, 7, 9), False),
}


def member_body(
    position: str, *, serial: str = "0001", who: str | None = None, **extra: Any
) -> dict[str, Any]:
    name, born, female = PEOPLE[who or position]
    body: dict[str, Any] = {
        "full_name": name,
        "nik": make_nik(born, female=female, serial=serial),
        "phone": "0812-3456-78" + serial[-2:],
        "position": position,
        "term_start": "2024-01-01",
        "user_subject": f"user-{position}-{serial}",
    }
    body.update(extra)
    return body


async def form(http: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    r = await http.post("/kim", json=kim_body(**extra), headers=headers)
    assert r.status_code == 201, r.text
    kim: dict[str, Any] = r.json()
    return kim


async def add(
    http: httpx.AsyncClient, kim_id: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    r = await http.post(f"/kim/{kim_id}/members", json=body, headers=headers)
    assert r.status_code == 201, r.text
    member: dict[str, Any] = r.json()
    return member


async def staff_the_officers(
    http: httpx.AsyncClient, kim_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """ketua, sekretaris, bendahara: enough for the default rules (3 members)."""
    return [
        await add(http, kim_id, headers, member_body(p, serial=f"000{i + 1}"))
        for i, p in enumerate(("ketua", "sekretaris", "bendahara"))
    ]


AUTO = "auto"


async def set_status(
    http: httpx.AsyncClient,
    kim_id: str,
    headers: dict[str, str],
    to: str,
    reason: str | None = None,
    *,
    code: str | None = AUTO,
) -> httpx.Response:
    """POST the status change; ``code`` defaults to ``lainnya`` where one is required."""
    if code == AUTO:
        code = "lainnya" if to in ("tidak_aktif", "dibubarkan") else None
    body: dict[str, Any] = {"to": to}
    if code is not None:
        body["reason_code"] = code
    if reason is not None:
        body["reason"] = reason
    return await http.post(f"/kim/{kim_id}/status", json=body, headers=headers)


async def counts(runtime: Runtime) -> dict[str, int]:
    """Row counts of every table the groups API writes (for "nothing stored" checks)."""
    out: dict[str, int] = {}
    for table in (
        "kim",
        "kim_status_history",
        "members",
        "kabupaten_rules",
        "outbox",
        "idempotency_keys",
    ):
        out[table] = await runtime.pool.fetchval(f"SELECT count(*) FROM {table}")
    return out


async def kim_events(runtime: Runtime, kim_id: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows of the KIM topic, oldest first: ``{type, key, data, kabupaten}``."""
    rows = await runtime.pool.fetch(
        "SELECT event_type, key, payload FROM outbox"
        " WHERE topic = 'kim.registry.kim.v1' AND ($1::text IS NULL OR key = $1) ORDER BY id",
        kim_id,
    )
    events = []
    for r in rows:
        envelope = json.loads(r["payload"])
        events.append(
            {
                "type": r["event_type"],
                "key": r["key"],
                "data": envelope["data"],
                "kabupaten": envelope.get("kabupaten"),
                "raw": bytes(r["payload"]).decode(),
            }
        )
    return events


def assert_no_personal_data(events: list[dict[str, Any]]) -> None:
    """No NIK, phone digits or person's name anywhere in the events."""
    for event in events:
        raw = event["raw"]
        for name, born, female in PEOPLE.values():
            assert name not in raw
            assert make_nik(born, female=female)[:12] not in raw
        assert "812345678" not in raw  # the test phones
        personal = {"nik", "phone", "full_name", "gender", "birth_year", "contact_channel"}
        assert not personal & set(event["data"])


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}
