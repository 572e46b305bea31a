"""The scheduled licence expiry: a verified licence past its expiry date (WIB) becomes
``kedaluwarsa`` in the database, with a fact and a new seller state (badge off), exactly once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from kim_devstack.testing import eventually
from kim_marketplace.sellers.scheduler import expire_licences_once
from kim_shared.service import Runtime

from .support import ADDRESS, OWNER_NAME, PHONE_DIGITS, PONOROGO, outbox_payloads, register
from .test_products import _decide, _product, _status

pytestmark = pytest.mark.integration

EXPIRED = "kim.marketplace.seller.licence_expired.v1"
STATE = "kim.marketplace.seller_state.changed.v1"


async def _statuses(runtime: Runtime, seller_id: str) -> dict[str, str]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT document, status FROM seller_licences WHERE seller_id = $1",
            uuid.UUID(seller_id),
        )
    return {r["document"]: r["status"] for r in rows}


async def test_expiry_turns_the_badge_off_once(http, auth, registry, runtime) -> None:
    seller = await register(http, auth("pelaku_umkm", sub="sri", region=PONOROGO))
    # Another seller whose halal certificate is declared but never verified: untouched.
    other = await register(http, auth("pelaku_umkm", sub="tini", region=PONOROGO))
    operator = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    for document in ("halal", "nib"):
        r = await http.post(
            f"/sellers/{seller['id']}/verifications",
            json={"document": document, "status": "terverifikasi"},
            headers=operator,
        )
        assert r.status_code == 200, r.text
    before = len(await outbox_payloads(runtime))

    # On its last day (30 June 2030, WIB) the certificate is still valid.
    assert await expire_licences_once(runtime, date(2030, 6, 30)) == 0
    assert len(await outbox_payloads(runtime)) == before

    assert await expire_licences_once(runtime, date(2030, 7, 1)) == 1
    assert await _statuses(runtime, seller["id"]) == {
        "halal": "kedaluwarsa",
        "nib": "terverifikasi",
        "pirt": "belum_diverifikasi",
    }
    assert (await _statuses(runtime, other["id"]))["halal"] == "belum_diverifikasi"
    staged = (await outbox_payloads(runtime))[before:]
    assert [p["type"] for p in staged] == [EXPIRED, STATE]
    assert staged[0]["subject"] == seller["id"]
    fact = staged[0]["data"]
    assert (fact["document"], fact["expired_on"]) == ("halal", "2030-06-30")
    assert "number" not in fact
    badges = {b["document"]: b["status"] for b in staged[1]["data"]["badges"]}
    assert badges == {"halal": "kedaluwarsa", "nib": "terverifikasi", "pirt": "belum_diverifikasi"}
    states = [
        p["data"]["revision"]
        for p in await outbox_payloads(runtime)
        if p["type"] == STATE and p["subject"] == seller["id"]
    ]
    assert states == [1, 2, 3, 4]

    # Running it again changes nothing and stages nothing.
    after = len(await outbox_payloads(runtime))
    assert await expire_licences_once(runtime, date(2030, 7, 1)) == 0
    assert await expire_licences_once(runtime, date(2031, 1, 1)) == 0
    assert len(await outbox_payloads(runtime)) == after

    # The seller's view agrees, and no payload carries personal data or licence numbers.
    view = (await http.get(f"/sellers/{seller['id']}", headers=operator)).json()
    assert {lic["document"]: lic["status"] for lic in view["licences"]}["halal"] == "kedaluwarsa"
    text = str(await outbox_payloads(runtime))
    for secret in (OWNER_NAME, ADDRESS, PHONE_DIGITS, "ID35110000123450123", "1234567890123"):
        assert secret not in text


async def test_expiry_turns_the_halal_badge_of_live_listings_off(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    seller = await register(http, owner)
    operator = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    r = await http.post(
        f"/sellers/{seller['id']}/verifications",
        json={"document": "halal", "status": "terverifikasi"},
        headers=operator,
    )
    assert r.status_code == 200, r.text
    pid = (await _product(http, owner, seller["id"]))["id"]
    assert (await http.post(f"/products/{pid}/submit", headers=owner)).status_code == 200
    await _decide(kafka_bootstrap, pid, 1, "approved")

    async def live() -> bool:
        return (await _status(runtime, pid))[0] == "live"

    await eventually(live, what="listing live")
    before = len(await outbox_payloads(runtime))
    assert await expire_licences_once(runtime, date(2030, 7, 1)) == 1
    staged = (await outbox_payloads(runtime))[before:]
    assert [p["type"] for p in staged] == [
        EXPIRED,
        STATE,
        "kim.marketplace.listing_state.changed.v1",
    ]
    listing = staged[2]["data"]
    assert (listing["listing_id"], listing["status"], listing["halal"]) == (pid, "live", False)
    assert await expire_licences_once(runtime, date(2030, 7, 1)) == 0
    assert len(await outbox_payloads(runtime)) == before + 3
