"""What the help-request tests share: the registry stand-in's regions and KIM (from
:mod:`kim_devstack.standins`) and helpers to put experts and open requests."""

from __future__ import annotations

from typing import Any

from kim_devstack.standins import (
    GOMBANG,
    MADIUN,
    MADIUN_DESA,
    MADIUN_KEC,
    PONOROGO,
    SLAHUNG,
    TUGUREJO,
    KimOnTopic,
    Registry,
    count,
    outbox_payloads,
)

__all__ = [
    "GOMBANG",
    "MADIUN",
    "MADIUN_DESA",
    "MADIUN_KEC",
    "PONOROGO",
    "SLAHUNG",
    "TUGUREJO",
    "KimOnTopic",
    "Registry",
    "count",
    "outbox_payloads",
]


DESCRIPTION = "Tolong bantu kami menulis berita kegiatan posyandu desa Tugurejo"


async def put_expert(http, auth, subject: str, **overrides: Any) -> dict[str, Any]:
    body = {"kabupaten_code": PONOROGO, "skills": ["jurnalistik"], "weekly_capacity": 2}
    body.update(overrides)
    r = await http.put(
        f"/experts/{subject}", json=body, headers=auth("operator_kabupaten", region=PONOROGO)
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def open_request(http, headers, kim_id, **overrides: Any):
    body = {"kim_id": str(kim_id), "skill": "jurnalistik", "description": DESCRIPTION}
    body |= {"mode": "online", "urgency": "tinggi", **overrides}
    return await http.post("/help-requests", json=body, headers=headers)
