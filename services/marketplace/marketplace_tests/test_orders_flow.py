"""Orders: stock reserved at placement without overselling under 50 concurrent buyers, stock
given back exactly once by cancelling and expiring (also when both race), the lifecycle and
who may move it, totals computed on the server, bad input, and no buyer data in events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kim_marketplace.orders.scheduler import expire_once
from kim_shared.service import Runtime

from .support import PONOROGO, count, outbox_payloads, register

pytestmark = pytest.mark.integration

BUYER_NAME = "Dewi Lestari Buyer"
BUYER_PHONE = "0813-2222-3333"
BUYER_DIGITS = "81322223333"
Auth = Callable[..., dict[str, str]]


def _product_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sambel Pecel Khas Ponorogo",
        "description": "Sambel pecel dari kacang tanah pilihan, pedas sedang, tahan 3 bulan.",
        "category": "makanan",
        "price_rupiah": 25000,
        "unit": "pack",
        "discount": {"kind": "amount", "value": 5000},
        "stock": 40,
    }
    body.update(overrides)
    return body


async def _seller(
    http: httpx.AsyncClient, auth: Auth, sub: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    owner = auth("pelaku_umkm", sub=sub, region=PONOROGO)
    return await register(http, owner, **extra), owner


async def _product(
    http: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    seller_id: str,
    *,
    live: bool = True,
    **overrides: Any,
) -> str:
    r = await http.post(
        f"/sellers/{seller_id}/products", json=_product_body(**overrides), headers=headers
    )
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    if live:  # the moderation round trip is shown in test_products; here it is taken as done
        async with runtime.pool.acquire() as conn:
            await conn.execute(
                "UPDATE products SET status = 'live', live_revision = revision,"
                " published_at = now() WHERE id = $1",
                uuid.UUID(pid),
            )
    return pid


async def _stock(runtime: Runtime, product_id: str) -> int:
    async with runtime.pool.acquire() as conn:
        n: int = await conn.fetchval(
            "SELECT stock FROM products WHERE id = $1", uuid.UUID(product_id)
        )
    return n


def _order(*items: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "buyer": {"name": BUYER_NAME, "phone": BUYER_PHONE},
        "items": [{"product_id": p, "quantity": q} for p, q in items],
        "fulfilment": "pickup",
        "note": "Diambil sore hari setelah jam 4.",
    }
    body.update(overrides)
    return body


def _slug(r: httpx.Response) -> str:
    problem: dict[str, Any] = r.json()
    return str(problem["type"]).rsplit("/", 1)[-1]


async def _place(
    http: httpx.AsyncClient, buyer: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    r = await http.post("/orders", json=body, headers=buyer)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_fifty_concurrent_orders_never_oversell(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"], stock=10)

    async def one(n: int) -> httpx.Response:
        return await http.post("/orders", json=_order((pid, 1)), headers=auth(sub=f"buyer-{n}"))

    answers = await asyncio.gather(*(one(n) for n in range(50)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 10, codes
    assert codes.count(409) == 40, codes
    refused = [r for r in answers if r.status_code == 409]
    assert {_slug(r) for r in refused} == {"out-of-stock"}
    assert "Not enough stock" in refused[0].json()["detail"]
    assert await _stock(runtime, pid) == 0
    assert await count(runtime, "orders") == 10
    assert await count(runtime, "order_items") == 10


async def test_cancel_and_expiry_give_stock_back_once(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"], stock=5)
    buyer = auth(sub="dewi")

    order = await _place(http, buyer, _order((pid, 2)))
    assert await _stock(runtime, pid) == 3
    r = await http.post(f"/orders/{order['id']}/cancel", headers=buyer)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["cancelled_by"]) == ("cancelled", "buyer")
    assert await _stock(runtime, pid) == 5
    r = await http.post(f"/orders/{order['id']}/cancel", headers=owner)
    assert (r.status_code, _slug(r)) == (409, "invalid-transition"), r.text
    assert await _stock(runtime, pid) == 5

    order = await _place(http, buyer, _order((pid, 4)))
    assert await _stock(runtime, pid) == 1
    assert await expire_once(runtime, datetime.now(UTC)) == 0  # not due yet
    later = datetime.now(UTC) + timedelta(days=2)
    assert await expire_once(runtime, later) == 1
    assert await expire_once(runtime, later) == 0
    assert await _stock(runtime, pid) == 5
    r = await http.get(f"/orders/{order['id']}", headers=buyer)
    assert r.json()["status"] == "expired"
    r = await http.post(f"/orders/{order['id']}/confirm", headers=owner)
    assert r.status_code == 409, r.text

    # A cancel racing an expiry: whichever wins, the stock comes back once.
    for _ in range(5):
        order = await _place(http, buyer, _order((pid, 3)))
        assert await _stock(runtime, pid) == 2
        cancel, expired = await asyncio.gather(
            http.post(f"/orders/{order['id']}/cancel", headers=buyer),
            expire_once(runtime, later),
        )
        assert await _stock(runtime, pid) == 5
        final = (await http.get(f"/orders/{order['id']}", headers=buyer)).json()["status"]
        if cancel.status_code == 200:
            assert (final, expired) == ("cancelled", 0)
        else:
            assert cancel.status_code == 409, cancel.text
            assert (final, expired) == ("expired", 1)
        ends = [
            e["type"]
            for e in await outbox_payloads(runtime)
            if e["subject"] == order["id"] and e["type"].endswith(("cancelled.v1", "expired.v1"))
        ]
        assert len(ends) == 1, ends


async def test_lifecycle_and_who_may_move_it(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    kim = await registry.kim(members={"ketua-kim": "ketua"})
    seller, owner = await _seller(http, auth, "sri", kim_id=str(kim.kim_id))
    pid = await _product(http, runtime, owner, seller["id"], stock=10)
    await _seller(http, auth, "tono", business_name="Jenang Pak Tono")
    other_owner = auth("pelaku_umkm", sub="tono", region=PONOROGO)
    officer = auth("pengelola_kim", sub="ketua-kim", region=PONOROGO)
    buyer = auth(sub="dewi")
    stranger = auth(sub="someone-else")

    order = await _place(http, buyer, _order((pid, 2)))
    oid = order["id"]
    assert order["status"] == "placed"
    assert order["buyer"] == {"name": BUYER_NAME, "phone": "+62" + BUYER_DIGITS}

    r = await http.post(f"/orders/{oid}/confirm", headers=buyer)
    assert r.status_code == 403, r.text
    for who in (other_owner, stranger):
        assert (await http.post(f"/orders/{oid}/confirm", headers=who)).status_code == 404
        assert (await http.get(f"/orders/{oid}", headers=who)).status_code == 404
    for step in ("ready", "ship", "complete"):
        r = await http.post(f"/orders/{oid}/{step}", headers=owner)
        assert (r.status_code, _slug(r)) == (409, "invalid-transition"), (step, r.text)
    r = await http.post(f"/orders/{oid}/confirm", headers=officer)  # an officer of its KIM
    assert (r.status_code, r.json()["status"]) == (200, "confirmed"), r.text
    r = await http.post(f"/orders/{oid}/confirm", headers=owner)
    assert r.status_code == 409, r.text
    r = await http.post(f"/orders/{oid}/cancel", headers=buyer)
    assert r.status_code == 409, r.text
    assert "only the seller cancels" in r.json()["detail"]
    r = await http.post(f"/orders/{oid}/ship", headers=owner)  # a pickup order
    assert r.status_code == 409, r.text
    r = await http.post(f"/orders/{oid}/ready", headers=owner)
    assert (r.status_code, r.json()["status"]) == (200, "ready"), r.text
    r = await http.post(f"/orders/{oid}/complete", headers=owner)
    assert (r.status_code, r.json()["status"]) == (200, "completed"), r.text
    r = await http.post(f"/orders/{oid}/cancel", headers=owner)
    assert r.status_code == 409, r.text
    assert await _stock(runtime, pid) == 8  # a completed order keeps its stock taken

    # A delivery order the seller cancels after confirming: stock back.
    delivery = await _place(http, buyer, _order((pid, 3), fulfilment="delivery"))
    assert (await http.post(f"/orders/{delivery['id']}/confirm", headers=owner)).status_code == 200
    assert (await http.post(f"/orders/{delivery['id']}/ready", headers=owner)).status_code == 409
    r = await http.post(f"/orders/{delivery['id']}/cancel", headers=owner)
    assert (r.status_code, r.json()["cancelled_by"]) == (200, "seller"), r.text
    assert await _stock(runtime, pid) == 8

    mine = (await http.get("/orders", headers=buyer)).json()
    assert {o["id"] for o in mine} == {oid, delivery["id"]}
    listed = (await http.get(f"/sellers/{seller['id']}/orders", headers=owner)).json()
    assert {o["id"] for o in listed} == {oid, delivery["id"]}
    r = await http.get(f"/sellers/{seller['id']}/orders", headers=other_owner)
    assert r.status_code == 404

    events = await outbox_payloads(runtime)
    of_order = [e for e in events if e["subject"] == oid]
    assert [e["type"] for e in of_order] == [
        "kim.marketplace.order.placed.v1",
        "kim.marketplace.order.confirmed.v1",
        "kim.marketplace.order.completed.v1",
    ]
    completed = of_order[-1]["data"]
    assert (completed["kim_id"], completed["listing_id"]) == (str(kim.kim_id), pid)
    placed = of_order[0]["data"]
    assert (placed["total_rupiah"], placed["items"][0]["quantity"]) == (40000, 2)
    text = json.dumps([e for e in events if ".order." in e["type"]])
    for personal in (BUYER_NAME, BUYER_DIGITS, "dewi", "Diambil sore"):
        assert personal not in text, personal


async def test_completed_order_without_a_kim_publishes_no_activity_fact(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"])
    order = await _place(http, auth(sub="dewi"), _order((pid, 1)))
    for step in ("confirm", "ready", "complete"):
        r = await http.post(f"/orders/{order['id']}/{step}", headers=owner)
        assert r.status_code == 200, r.text
    types = [e["type"] for e in await outbox_payloads(runtime) if e["subject"] == order["id"]]
    assert "kim.marketplace.order.completed.v1" not in types


async def test_totals_are_computed_on_the_server(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    sambel = await _product(http, runtime, owner, seller["id"])  # 25.000 minus 5.000
    jenang = await _product(
        http,
        runtime,
        owner,
        seller["id"],
        name="Jenang Ponorogo",
        price_rupiah=15000,
        discount={"kind": "percent", "value": 10},
    )
    buyer = auth(sub="dewi")
    order = await _place(http, buyer, _order((sambel, 3), (jenang, 2)))
    assert order["total_rupiah"] == 3 * 20000 + 2 * 13500
    assert order["total_text"].startswith("Rp")
    lines = {i["product_id"]: i for i in order["items"]}
    assert (lines[jenang]["unit_price_rupiah"], lines[jenang]["line_total_rupiah"]) == (
        13500,
        27000,
    )

    before = await count(runtime, "orders")
    r = await http.post("/orders", json=_order((sambel, 1), total_rupiah=1), headers=buyer)
    assert r.status_code == 422, r.text
    body = _order((sambel, 1))
    body["items"][0]["unit_price_rupiah"] = 1
    r = await http.post("/orders", json=body, headers=buyer)
    assert r.status_code == 422, r.text
    assert await count(runtime, "orders") == before


async def test_bad_orders_are_specific_and_store_nothing(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"], stock=5)
    draft = await _product(http, runtime, owner, seller["id"], live=False)
    other, other_owner = await _seller(http, auth, "tono", business_name="Jenang Pak Tono")
    theirs = await _product(http, runtime, other_owner, other["id"])
    buyer = auth(sub="dewi")
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        (_order((pid, 0)), 422, None),
        (_order((pid, 1.5)), 422, None),  # type: ignore[arg-type]
        (_order(), 422, None),
        (_order((str(uuid.uuid4()), 1)), 422, "unknown-product"),
        (_order((pid, 1), (theirs, 1)), 422, "several-sellers"),
        (_order((pid, 1), (pid, 2)), 422, "duplicate-item"),
        (_order((draft, 1)), 409, "listing-not-live"),
        (_order((pid, 6)), 409, "out-of-stock"),
        (_order((pid, 1), buyer={"name": BUYER_NAME, "phone": "12345"}), 422, None),
        (_order((pid, 1), fulfilment="drone"), 422, None),
    ]
    for body, status, slug in cases:
        r = await http.post("/orders", json=body, headers=buyer)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if slug is not None:
            assert _slug(r) == slug, r.text
    assert await count(runtime, "orders") == 0
    assert await count(runtime, "order_items") == 0
    assert await _stock(runtime, pid) == 5
    r = await http.post("/orders", json=_order((pid, 1)))
    assert r.status_code == 401, r.text


async def test_placement_is_idempotent(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"], stock=5)
    headers = {**auth(sub="dewi"), "Idempotency-Key": "order-dewi-1"}
    first = await http.post("/orders", json=_order((pid, 2)), headers=headers)
    again = await http.post("/orders", json=_order((pid, 2)), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert first.json()["id"] == again.json()["id"]
    assert await _stock(runtime, pid) == 3
    r = await http.post("/orders", json=_order((pid, 1)), headers=headers)
    assert r.status_code == 422, r.text  # the same key with another body


async def test_inquiries_are_recorded_and_counted(
    http: httpx.AsyncClient, auth: Auth, registry: Any, runtime: Runtime
) -> None:
    seller, owner = await _seller(http, auth, "sri")
    pid = await _product(http, runtime, owner, seller["id"])
    draft = await _product(http, runtime, owner, seller["id"], live=False)
    buyer = auth(sub="dewi")

    r = await http.post(
        f"/products/{pid}/inquiries",
        json={"kind": "question", "question": "Apakah bisa kirim ke Madiun minggu ini?"},
        headers=buyer,
    )
    assert r.status_code == 201, r.text
    assert r.json()["whatsapp_url"] is None
    headers = {**buyer, "Idempotency-Key": "wa-1"}
    r = await http.post(f"/products/{pid}/inquiries", json={"kind": "whatsapp"}, headers=headers)
    assert r.status_code == 201, r.text
    url = r.json()["whatsapp_url"]
    assert url.startswith("https://wa.me/62" + "81234567890?text=Halo%20Sambel%20Pecel"), url
    assert "Marketplace%20KIM" in url
    again = await http.post(
        f"/products/{pid}/inquiries", json={"kind": "whatsapp"}, headers=headers
    )
    assert again.json() == r.json()  # the same key: one hand-off counted

    for body in ({"kind": "question"}, {"kind": "email"}, {"kind": "whatsapp", "question": "x"}):
        r = await http.post(f"/products/{pid}/inquiries", json=body, headers=buyer)
        assert r.status_code == 422, (body, r.text)
    r = await http.post(f"/products/{draft}/inquiries", json={"kind": "whatsapp"}, headers=buyer)
    assert r.status_code == 404, r.text
    r = await http.post(f"/products/{pid}/inquiries", json={"kind": "whatsapp"})
    assert r.status_code == 401, r.text

    r = await http.get(f"/products/{pid}/inquiries/count", headers=owner)
    assert r.status_code == 200, r.text
    assert (r.json()["questions"], r.json()["whatsapp"], r.json()["total"]) == (1, 1, 2)
    operator = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    r = await http.get(f"/products/{pid}/inquiries/count", headers=operator)
    assert (r.status_code, r.json()["total"]) == (200, 2), r.text
    for who in (buyer, auth("operator_kabupaten", sub="op-madiun", region="35.19")):
        r = await http.get(f"/products/{pid}/inquiries/count", headers=who)
        assert r.status_code == 404, r.text
    assert not [e for e in await outbox_payloads(runtime) if "inquir" in e["type"]]
