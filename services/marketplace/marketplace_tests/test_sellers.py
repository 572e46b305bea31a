"""Sellers: registration, ownership, tenant isolation, verification, bad input and the
events they stage (never personal data)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .support import (
    ADDRESS,
    MADIUN,
    MADIUN_DESA,
    OWNER_NAME,
    PHONE_DIGITS,
    PONOROGO,
    count,
    outbox_payloads,
    register,
    seller_body,
)

pytestmark = pytest.mark.integration


async def test_register_normalises_whatsapp_and_starts_unverified(http, auth, registry) -> None:
    seller = await register(http, auth("pelaku_umkm", sub="sri", region=PONOROGO))
    assert seller["whatsapp"] == "+6281234567890"
    assert seller["whatsapp_link"] == "https://wa.me/6281234567890"
    assert seller["kabupaten_code"] == PONOROGO
    statuses = {lic["document"]: lic["status"] for lic in seller["licences"]}
    assert statuses == {
        "nib": "belum_diverifikasi",
        "pirt": "belum_diverifikasi",
        "halal": "belum_diverifikasi",
    }
    again = await http.post(
        "/sellers", json=seller_body(), headers=auth("pelaku_umkm", sub="sri", region=PONOROGO)
    )
    assert again.status_code == 409, again.text


async def test_only_owner_kim_officers_and_own_operators_see_a_seller(http, auth, registry) -> None:
    kim = await registry.kim(members={"ketua-kim": "ketua", "anggota-kim": "anggota"})
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    seller = await register(http, owner, kim_id=str(kim.kim_id))
    url = f"/sellers/{seller['id']}"
    allowed = [
        owner,
        auth("pengelola_kim", sub="ketua-kim", region=PONOROGO),
        auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO),
    ]
    for headers in allowed:
        assert (await http.get(url, headers=headers)).status_code == 200
    denied = [
        auth("pelaku_umkm", sub="tetangga", region=PONOROGO),
        auth("pengelola_kim", sub="anggota-kim", region=PONOROGO),
        auth("pengelola_kim", sub="ketua-lain", region=PONOROGO),
        auth("operator_kabupaten", sub="op-madiun", region=MADIUN),
    ]
    for headers in denied:
        r = await http.get(url, headers=headers)
        assert r.status_code == 404, r.text
    # Another seller cannot change it either, even with the right version.
    r = await http.put(
        url,
        json=seller_body(business_name="Dicuri"),
        headers={**denied[0], "If-Match": '"1"'},
    )
    assert r.status_code == 404, r.text
    # The KIM's officer can.
    current = await http.get(url, headers=owner)
    r = await http.put(
        url,
        json=seller_body(business_name="Sambel Pecel Mbak Sri", kim_id=str(kim.kim_id)),
        headers={**allowed[1], "If-Match": current.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["business_name"] == "Sambel Pecel Mbak Sri"


async def test_operator_verifies_and_other_kabupaten_cannot(http, auth, registry, runtime) -> None:
    seller = await register(http, auth("pelaku_umkm", sub="sri", region=PONOROGO))
    url = f"/sellers/{seller['id']}/verifications"
    madiun = auth("operator_kabupaten", sub="op-madiun", region=MADIUN)
    r = await http.post(url, json={"document": "nib", "status": "terverifikasi"}, headers=madiun)
    assert r.status_code == 404, r.text
    ponorogo = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    r = await http.post(
        url, json={"document": "halal", "status": "terverifikasi"}, headers=ponorogo
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        url,
        json={"document": "pirt", "status": "ditolak", "note": "Nomor tidak terdaftar"},
        headers=ponorogo,
    )
    assert r.status_code == 200, r.text
    licences = {lic["document"]: lic for lic in r.json()["licences"]}
    assert licences["halal"]["status"] == "terverifikasi"
    assert licences["pirt"]["status"] == "ditolak"
    assert licences["pirt"]["note"] == "Nomor tidak terdaftar"
    assert licences["nib"]["status"] == "belum_diverifikasi"
    r = await http.post(url, json={"document": "bpom", "status": "terverifikasi"}, headers=ponorogo)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body.document")
    # A seller cannot verify itself.
    r = await http.post(
        url,
        json={"document": "nib", "status": "terverifikasi"},
        headers=auth("pelaku_umkm", sub="sri", region=PONOROGO),
    )
    assert r.status_code == 403, r.text

    # Changing the halal number needs verifying again.
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    current = await http.get(f"/sellers/{seller['id']}", headers=owner)
    r = await http.put(
        f"/sellers/{seller['id']}",
        json=seller_body(halal={"number": "ID35110000999990999", "expires_on": "2031-01-31"}),
        headers={**owner, "If-Match": current.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    licences = {lic["document"]: lic for lic in r.json()["licences"]}
    assert licences["halal"]["status"] == "belum_diverifikasi"
    assert licences["pirt"]["status"] == "ditolak"

    types = [p["type"] for p in await outbox_payloads(runtime)]
    assert types.count("kim.marketplace.seller.verified.v1") == 2
    assert types.count("kim.marketplace.seller.registered.v1") == 1
    states = [
        p["data"]
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.marketplace.seller_state.changed.v1"
    ]
    assert [s["revision"] for s in states] == [1, 2, 3, 4]
    badges = {b["document"]: b["status"] for b in states[2]["badges"]}
    assert badges["halal"] == "terverifikasi"


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("NIB too short", {"nib": "123456789012"}, "body.nib"),
    ("NIB too long", {"nib": "12345678901234"}, "body.nib"),
    ("NIB with letters", {"nib": "12345678901AB"}, "body.nib"),
    ("unknown village", {"village_code": "35.02.01.2999"}, "body.village_code"),
    ("other tenant's village", {"village_code": MADIUN_DESA}, "body.village_code"),
    ("malformed village", {"village_code": "35.02"}, "body.village_code"),
    ("not a phone number", {"whatsapp": "12345abc"}, "body.whatsapp"),
    ("landline", {"whatsapp": "(0352) 481234"}, "body.whatsapp"),
    ("unknown KIM", {"kim_id": "00000000-0000-4000-8000-000000000000"}, "body.kim_id"),
    ("unknown category", {"business_category": "judi"}, "body.business_category"),
    ("halal without expiry", {"halal": {"number": "ID3511"}}, "body.halal.expires_on"),
    ("empty business name", {"business_name": " "}, "body.business_name"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_is_a_specific_422_and_stores_nothing(
    http, auth, registry, runtime, case, change, field
) -> None:
    del case
    r = await http.post(
        "/sellers", json=seller_body(**change), headers=auth("pelaku_umkm", region=PONOROGO)
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert PHONE_DIGITS not in r.text
    assert await count(runtime, "sellers") == 0
    assert await count(runtime, "seller_licences") == 0
    assert await count(runtime, "outbox") == 0


async def test_events_carry_no_personal_data(http, auth, registry, runtime) -> None:
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    seller = await register(http, owner)
    await http.post(
        f"/sellers/{seller['id']}/verifications",
        json={"document": "nib", "status": "ditolak", "note": f"Hubungi {OWNER_NAME}"},
        headers=auth("operator_kabupaten", sub="op", region=PONOROGO),
    )
    payloads = await outbox_payloads(runtime)
    assert len(payloads) == 4
    text = json.dumps(payloads)
    for secret in (OWNER_NAME, ADDRESS, PHONE_DIGITS, "1234567890123", "Hubungi"):
        assert secret not in text, secret
    for subject in ("sri", "op"):  # logins of the owner and the operator
        assert f'"{subject}"' not in text, subject
