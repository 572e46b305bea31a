"""What the marketplace tests share: the registry stand-in's regions and KIM (from
:mod:`kim_devstack.standins`), the test sellers' personal data and helpers to register them."""

from __future__ import annotations

from typing import Any

import httpx

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

#: Personal data of the test sellers: none of it may appear in an outbox payload.
OWNER_NAME = "Sri Wahyuningsih"
ADDRESS = "Jl. Raya Slahung No. 17 RT 02 RW 01"
PHONE = "0812-3456-7890"
PHONE_DIGITS = "81234567890"


def seller_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "business_name": "Sambel Pecel Bu Sri",
        "owner_name": OWNER_NAME,
        "village_code": TUGUREJO,
        "address": ADDRESS,
        "whatsapp": PHONE,
        "business_category": "makanan_minuman",
        "nib": "1234567890123",
        "pirt": "2063502011234-25",
        "halal": {"number": "ID35110000123450123", "expires_on": "2030-06-30"},
    }
    body.update(overrides)
    return body


async def register(
    http: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    r = await http.post("/sellers", json=seller_body(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out
