"""The listing state topic (DESIGN §3): a snapshot with a growing sequence whenever a
listing's public state changes, public fields only."""

from __future__ import annotations

from typing import Any

import pytest

from kim_devstack.testing import eventually
from kim_shared.service import Runtime

from .support import ADDRESS, OWNER_NAME, PHONE_DIGITS, PONOROGO, outbox_payloads
from .test_products import _decide, _product, _seller, _status, product_body

pytestmark = pytest.mark.integration

STATE = "kim.marketplace.listing_state.changed.v1"
PUBLIC_FIELDS = {
    "listing_id",
    "sequence",
    "status",
    "seller_id",
    "kim_id",
    "village_code",
    "kecamatan_code",
    "kabupaten_code",
    "category",
    "name",
    "unit",
    "price_rupiah",
    "final_price_rupiah",
    "verified",
    "halal",
    "published_at",
    "changed_at",
}


async def _states(runtime: Runtime, listing_id: str) -> list[dict[str, Any]]:
    return [
        p["data"]
        for p in await outbox_payloads(runtime)
        if p["type"] == STATE and p["subject"] == listing_id
    ]


async def _put(http, owner, pid: str, **overrides: Any) -> dict[str, Any]:
    current = await http.get(f"/products/{pid}", headers=owner)
    r = await http.put(
        f"/products/{pid}",
        json=product_body(**overrides),
        headers={**owner, "If-Match": current.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_listing_state_snapshots(http, auth, registry, runtime, kafka_bootstrap) -> None:
    seller, owner = await _seller(http, auth, registry, kim=True)
    pid = (await _product(http, owner, seller["id"]))["id"]
    # A draft and a listing in its first review are not public.
    await _put(http, owner, pid, price_rupiah=26000)
    assert (await http.post(f"/products/{pid}/submit", headers=owner)).status_code == 200
    assert await _states(runtime, pid) == []

    await _decide(kafka_bootstrap, pid, 1, "approved")

    async def live() -> bool:
        return (await _status(runtime, pid))[0] == "live"

    await eventually(live, what="listing live")
    [first] = await _states(runtime, pid)
    assert first["sequence"] == 1
    assert first["status"] == "live"
    assert (first["seller_id"], first["kim_id"]) == (seller["id"], seller["kim_id"])
    assert (first["kabupaten_code"], first["village_code"]) == (PONOROGO, seller["village_code"])
    assert (first["name"], first["category"]) == ("Sambel Pecel Khas Ponorogo", "makanan")
    assert (first["price_rupiah"], first["final_price_rupiah"]) == (26000, 21000)
    assert (first["verified"], first["halal"]) == (False, False)

    # The seller's NIB and halal certificate are verified: the live listing shows the badges.
    operator = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    for document in ("nib", "halal"):
        r = await http.post(
            f"/sellers/{seller['id']}/verifications",
            json={"document": document, "status": "terverifikasi"},
            headers=operator,
        )
        assert r.status_code == 200, r.text
    badges = (await _states(runtime, pid))[-1]
    assert (badges["verified"], badges["halal"]) == (True, True)

    # Price and stock edits of a live listing are public changes too.
    await _put(http, owner, pid, price_rupiah=30000, discount=None)
    priced = (await _states(runtime, pid))[-1]
    assert (priced["status"], priced["price_rupiah"], priced["final_price_rupiah"]) == (
        "live",
        30000,
        30000,
    )
    await _put(http, owner, pid, price_rupiah=30000, discount=None, stock=3)
    # New text takes it out of the catalogue until screened: no name or price meanwhile.
    await _put(http, owner, pid, name="Sambel Pecel Pedas", price_rupiah=30000, discount=None)
    review = (await _states(runtime, pid))[-1]
    assert (review["status"], review["name"], review["price_rupiah"]) == ("in_review", None, None)

    await _decide(kafka_bootstrap, pid, 2, "rejected", "spam")

    async def rejected() -> bool:
        return (await _status(runtime, pid))[0] == "rejected"

    await eventually(rejected, what="revision 2 rejected")
    states = await _states(runtime, pid)
    assert [s["status"] for s in states] == [
        "live",
        "live",
        "live",
        "live",
        "live",
        "in_review",
        "rejected",
    ]
    assert [s["sequence"] for s in states] == list(range(1, len(states) + 1))
    assert states[-1]["name"] is None

    # Public fields only: no owner data, no licence numbers anywhere in the snapshots.
    for state in states:
        assert set(state) <= PUBLIC_FIELDS, set(state) - PUBLIC_FIELDS
    text = str(states)
    for secret in (OWNER_NAME, ADDRESS, PHONE_DIGITS, "1234567890123", "ID35110000123450123"):
        assert secret not in text
