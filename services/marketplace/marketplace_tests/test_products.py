"""Products and listings: ownership, bad input, and the moderation round trip through Kafka
with a test publisher standing in for content's decisions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from kim_devstack.testing import eventually, publish_events
from kim_shared.events.types.content import ModerationDecided
from kim_shared.service import Runtime

from .support import ADDRESS, OWNER_NAME, PHONE_DIGITS, PONOROGO, count, outbox_payloads, register

pytestmark = pytest.mark.integration


def product_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sambel Pecel Khas Ponorogo",
        "description": "Sambel pecel dari kacang tanah pilihan, pedas sedang, tahan 3 bulan.",
        "category": "makanan",
        "price_rupiah": 25000,
        "unit": "pack",
        "discount": {"kind": "amount", "value": 5000},
        "stock": 40,
        "photo_urls": ["https://cdn.kim.example/p/sambel-1.jpg"],
        "weight_grams": 250,
        "needs_pirt": True,
    }
    body.update(overrides)
    return body


async def _seller(http, auth, registry, *, kim: bool = False) -> tuple[dict[str, Any], Any]:
    extra = {}
    if kim:
        found = await registry.kim(members={"ketua-kim": "ketua"})
        extra["kim_id"] = str(found.kim_id)
    owner = auth("pelaku_umkm", sub="sri", region=PONOROGO)
    return await register(http, owner, **extra), owner


async def _product(http, headers, seller_id: str, **overrides: Any) -> dict[str, Any]:
    r = await http.post(
        f"/sellers/{seller_id}/products", json=product_body(**overrides), headers=headers
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def _decide(
    bootstrap: str, product_id: str, revision: int, decision: str, reason: str | None = None
) -> None:
    await publish_events(
        bootstrap,
        "content",
        [
            ModerationDecided(
                subject_type="listing",
                subject_id=uuid.UUID(product_id),
                subject_revision=revision,
                kabupaten_code=PONOROGO,
                decision=decision,  # type: ignore[arg-type]
                reason_code=reason,  # type: ignore[arg-type]
                automatic=True,
                decided_at=datetime.now(UTC),
            )
        ],
    )


async def _status(runtime: Runtime, product_id: str) -> tuple[str, int, int | None]:
    async with runtime.pool.acquire() as conn:
        r = await conn.fetchrow(
            "SELECT status, revision, live_revision FROM products WHERE id = $1",
            uuid.UUID(product_id),
        )
    assert r is not None
    return (r["status"], r["revision"], r["live_revision"])


async def test_another_sellers_product_is_404(http, auth, registry) -> None:
    seller, owner = await _seller(http, auth, registry)
    product = await _product(http, owner, seller["id"])
    assert product["final_price_rupiah"] == 20000
    assert product["price_text"] == "Rp25.000"
    other = auth("pelaku_umkm", sub="tetangga", region=PONOROGO)
    url = f"/products/{product['id']}"
    assert (await http.get(url, headers=other)).status_code == 404
    r = await http.put(url, json=product_body(price_rupiah=1), headers={**other, "If-Match": '"1"'})
    assert r.status_code == 404
    assert (await http.post(f"{url}/submit", headers=other)).status_code == 404
    r = await http.post(f"/sellers/{seller['id']}/products", json=product_body(), headers=other)
    assert r.status_code == 404
    r = await http.get(
        f"/sellers/{seller['id']}/products",
        headers=auth("operator_kabupaten", sub="op", region="35.19"),
    )
    assert r.status_code == 404


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("negative price", {"price_rupiah": -1000}, "body.price_rupiah"),
    ("zero price", {"price_rupiah": 0}, "body.price_rupiah"),
    ("fractional price", {"price_rupiah": 25000.5}, "body.price_rupiah"),
    ("price as text", {"price_rupiah": "25000"}, "body.price_rupiah"),
    (
        "discount above price",
        {"discount": {"kind": "amount", "value": 30000}},
        "body.discount.value",
    ),
    (
        "discount above 100 %",
        {"discount": {"kind": "percent", "value": 101}},
        "body.discount.value",
    ),
    ("negative discount", {"discount": {"kind": "amount", "value": -1}}, "body.discount.value"),
    ("negative stock", {"stock": -1}, "body.stock"),
    ("http photo", {"photo_urls": ["http://x.id/a.jpg"]}, "body.photo_urls[0]"),
    (
        "too many photos",
        {"photo_urls": [f"https://cdn.kim.example/p/{i}.jpg" for i in range(9)]},
        "body.photo_urls",
    ),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_product_is_a_specific_422_and_stores_nothing(
    http, auth, registry, runtime, case, change, field
) -> None:
    del case
    seller, owner = await _seller(http, auth, registry)
    r = await http.post(
        f"/sellers/{seller['id']}/products", json=product_body(**change), headers=owner
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.text
    assert await count(runtime, "products") == 0


async def test_listing_round_trip_through_kafka(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    seller, owner = await _seller(http, auth, registry, kim=True)
    product = await _product(http, owner, seller["id"])
    pid = product["id"]
    r = await http.post(f"/products/{pid}/submit", headers=owner)
    assert (r.status_code, r.json()["status"]) == (200, "in_review"), r.text
    submitted = [p for p in await outbox_payloads(runtime) if p["subject"] == pid]
    assert [p["type"] for p in submitted] == ["kim.marketplace.listing.submitted.v1"]
    assert submitted[0]["data"]["title"] == "Sambel Pecel Khas Ponorogo"

    await _decide(kafka_bootstrap, pid, 1, "approved")

    async def live() -> bool:
        return (await _status(runtime, pid))[0] == "live"

    await eventually(live, what="listing live")
    published = [
        p
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.marketplace.listing.published.v1"
    ]
    assert [p["data"]["kim_id"] for p in published] == [seller["kim_id"]]

    # Price and stock changes are not screened again.
    current = await http.get(f"/products/{pid}", headers=owner)
    r = await http.put(
        f"/products/{pid}",
        json=product_body(price_rupiah=27000, stock=10),
        headers={**owner, "If-Match": current.headers["ETag"]},
    )
    assert (r.json()["status"], r.json()["revision"]) == ("live", 1), r.text

    # New text is revision 2, screened again; a late decision about revision 1 is ignored.
    r = await http.put(
        f"/products/{pid}",
        json=product_body(name="Sambel Pecel Pedas Ponorogo"),
        headers={**owner, "If-Match": r.headers["ETag"]},
    )
    assert (r.json()["status"], r.json()["revision"]) == ("in_review", 2), r.text
    await _decide(kafka_bootstrap, pid, 1, "rejected", "spam")
    await _decide(kafka_bootstrap, pid, 2, "rejected", "spam")

    async def rejected() -> bool:
        return (await _status(runtime, pid))[0] == "rejected"

    await eventually(rejected, what="revision 2 rejected")
    view = (await http.get(f"/products/{pid}", headers=owner)).json()
    assert (view["revision"], view["reason_code"], view["live_revision"]) == (2, "spam", 1)
    rejections = [
        p
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.marketplace.listing.rejected.v1"
    ]
    assert [p["data"]["revision"] for p in rejections] == [2]

    text = str(await outbox_payloads(runtime))
    for secret in (OWNER_NAME, ADDRESS, PHONE_DIGITS):
        assert secret not in text


async def test_no_activity_fact_without_a_kim(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    seller, owner = await _seller(http, auth, registry)
    product = await _product(http, owner, seller["id"])
    assert (await http.post(f"/products/{product['id']}/submit", headers=owner)).status_code == 200
    again = await http.post(f"/products/{product['id']}/submit", headers=owner)
    assert again.status_code == 409
    await _decide(kafka_bootstrap, product["id"], 1, "approved")

    async def live() -> bool:
        return (await _status(runtime, product["id"]))[0] == "live"

    await eventually(live, what="listing live")
    types = [p["type"] for p in await outbox_payloads(runtime)]
    assert "kim.marketplace.listing.published.v1" not in types
