"""The seller, help-request and finalize pages against recorded service answers: which call
each form makes (with the user's token), and a service's refusal shown in its own words.
The browser tests run the same pages against the real services."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kim_portal.routes.seller import order_actions
from portal_tests.support import csrf_of, dev_sign_in, portal, settings_for

SELLER = str(uuid.uuid4())
ORDER = str(uuid.uuid4())
PERIOD = str(uuid.uuid4())
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, name: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=f"http://{name}")


def _order(status: str, fulfilment: str = "pickup") -> dict[str, object]:
    return {
        "id": ORDER,
        "seller_id": SELLER,
        "buyer": {"name": "Wati Puspita", "phone": "+6281299990001"},
        "items": [{"product_id": str(uuid.uuid4()), "name": "Sambel", "quantity": 2}],
        "fulfilment": fulfilment,
        "note": None,
        "total_text": "Rp50.000",
        "status": status,
        "placed_at": "2026-12-01T02:00:00Z",
    }


def test_the_next_steps_of_an_order_follow_its_status_and_fulfilment() -> None:
    assert order_actions(_order("placed")) == ["confirm", "cancel"]
    assert order_actions(_order("confirmed", "pickup")) == ["ready", "cancel"]
    assert order_actions(_order("confirmed", "delivery")) == ["ship", "cancel"]
    assert order_actions(_order("shipped", "delivery")) == ["complete", "cancel"]
    for closed in ("completed", "cancelled", "expired"):
        assert order_actions(_order(closed)) == []


def _marketplace(calls: list[httpx.Request], refuse: bool = False) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        if request.method == "POST" and path == f"/orders/{ORDER}/confirm" and refuse:
            return httpx.Response(
                409,
                json={"title": "Conflict", "status": 409, "detail": "The order was cancelled."},
                headers={"content-type": "application/problem+json"},
            )
        if request.method == "POST" and path.startswith(f"/orders/{ORDER}/"):
            return httpx.Response(200, json=_order("confirmed"))
        if path == f"/sellers/{SELLER}":
            return httpx.Response(200, json={"id": SELLER, "business_name": "Sambel Bu Sri"})
        if path == f"/sellers/{SELLER}/orders":
            return httpx.Response(200, json=[_order("placed")])
        if path == "/sellers":
            item = {"id": SELLER, "business_name": "Sambel Bu Sri", "badges": ["nib"]}
            item |= {"village_code": "35.02.01.2001", "village_name": "Tugurejo"}
            item |= {"business_category": "makanan_minuman"}
            return httpx.Response(200, json={"items": [item], "next_cursor": "YWJj"})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    return answer


async def test_the_seller_list_links_to_products_and_orders(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_marketplace(calls), "marketplace") as market,
        portal(settings_for(tmp_path), {"marketplace": market}) as client,
    ):
        await dev_sign_in(client, "pelaku_umkm", subject="bu-sri")
        page = await client.get("/usaha")
        assert page.status_code == 200, page.text
        assert f'href="/usaha/{SELLER}"' in page.text
        assert f'href="/usaha/{SELLER}/pesanan"' in page.text
        assert 'href="/usaha?setelah=YWJj"' in page.text
        assert "Daftarkan usaha" not in page.text
        (listed,) = [c for c in calls if c.url.path == "/sellers"]
        assert listed.headers["authorization"].startswith("Bearer ")
        # the address of the earlier page (a typed id) leads to the seller's page
        old = await client.get(f"/usaha?penjual={SELLER}")
        assert (old.status_code, old.headers["location"]) == (303, f"/usaha/{SELLER}")


async def test_an_order_step_is_sent_and_a_refusal_shown_in_plain_words(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_marketplace(calls, refuse=True), "marketplace") as market,
        portal(settings_for(tmp_path), {"marketplace": market}) as client,
    ):
        await dev_sign_in(client, "pelaku_umkm", subject="bu-sri")
        orders = f"/usaha/{SELLER}/pesanan"
        token = await csrf_of(client, orders)
        unknown = await client.post(
            f"{orders}/{ORDER}", data={"csrf_token": token, "aksi": "refund"}
        )
        assert unknown.status_code == 422
        assert "Langkah tidak dikenal." in unknown.text
        assert not [c for c in calls if c.method == "POST"]  # nothing was sent
        refused = await client.post(
            f"{orders}/{ORDER}", data={"csrf_token": token, "aksi": "confirm"}
        )
        assert refused.status_code == 409
        assert "The order was cancelled." in refused.text
        assert "Traceback" not in refused.text
        done = await client.post(f"{orders}/{ORDER}", data={"csrf_token": token, "aksi": "cancel"})
        assert (done.status_code, done.headers["location"]) == (303, f"{orders}?selesai=cancel")
        sent = [c.url.path for c in calls if c.method == "POST"]
        assert sent == [f"/orders/{ORDER}/confirm", f"/orders/{ORDER}/cancel"]


@pytest.mark.parametrize(("ends_on", "early"), [("2099-12-31", True), ("2020-12-31", False)])
async def test_finalizing_is_confirmed_first_and_closes_a_running_period_early(
    tmp_path: Path, ends_on: str, early: bool
) -> None:
    calls: list[httpx.Request] = []
    period = {"id": PERIOD, "name": "Lomba KIM", "starts_on": "2020-01-01", "ends_on": ends_on}
    period["status"] = "open"

    def registry(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == f"/evaluation-periods/{PERIOD}":
            return httpx.Response(200, json=period)
        if request.url.path == "/kim":
            return httpx.Response(200, json={"items": [{"id": "k", "name": "KIM A"}]})
        if request.url.path.endswith("/finalize"):
            return httpx.Response(200, json={"period": period, "evaluated": 1, "results": []})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    async with (
        _client(registry, "registry") as reg,
        portal(settings_for(tmp_path), {"registry": reg}) as client,
    ):
        await dev_sign_in(client, "operator_kabupaten", subject="op")
        confirm = await client.get(f"/operator/evaluasi/{PERIOD}/final")
        assert confirm.status_code == 200
        assert not [c for c in calls if c.method == "POST"]  # opening the page changes nothing
        assert ("masih berjalan" in confirm.text) is early
        form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.text))
        answer = await client.post(f"/operator/evaluasi/{PERIOD}/final", data=form)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/operator/evaluasi/{PERIOD}?final=1"
        (sent,) = [c for c in calls if c.method == "POST"]
        assert sent.url.path == f"/evaluation-periods/{PERIOD}/finalize"
        assert (sent.url.params.get("close_early") == "true") is early
        assert sent.headers["idempotency-key"] == form["key"]


async def test_help_requests_mark_system_ones_and_reassign_sends_the_expert(
    tmp_path: Path,
) -> None:
    calls: list[httpx.Request] = []
    request_id = str(uuid.uuid4())
    kim_id = str(uuid.uuid4())
    base: dict[str, object] = {"kim_id": kim_id, "skill": "jurnalistik", "status": "requested"}
    base["urgency"] = "rendah"
    base |= {"opened_at": "2026-12-01T02:00:00Z", "sla_due_at": "2026-12-05T02:00:00Z"}
    items = [
        base | {"id": request_id, "origin": "system", "rule": "onboarding", "description": "Awal"},
        base | {"id": str(uuid.uuid4()), "origin": "member", "rule": None, "description": "Foto"},
    ]

    def mentoring(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/help-requests":
            return httpx.Response(200, json={"items": items, "next_cursor": None})
        if request.url.path == "/experts":
            expert = {"subject": "ahli-foto", "skills": ["fotografi"], "active": True}
            return httpx.Response(200, json=[expert])
        if request.url.path.endswith("/assign"):
            return httpx.Response(200, json=items[0] | {"status": "assigned"})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    def registry(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": kim_id, "name": "KIM Tugu Media"}]})

    async with (
        _client(mentoring, "mentoring") as ment,
        _client(registry, "registry") as reg,
        portal(settings_for(tmp_path), {"mentoring": ment, "registry": reg}) as client,
    ):
        await dev_sign_in(client, "operator_kabupaten", subject="op")
        page = await client.get("/operator/permintaan?status=requested&skill=bogus")
        assert page.status_code == 200, page.text
        assert page.text.count("Dibuka otomatis oleh sistem") == 1
        assert "KIM baru dibentuk: pendampingan awal" in page.text
        assert "KIM Tugu Media" in page.text
        (listed,) = [c for c in calls if c.url.path == "/help-requests"]
        assert listed.url.params.get("status") == "requested"
        assert "skill" not in listed.url.params  # an unknown filter is not passed on
        assert listed.url.params.get("kabupaten") == "35.02"
        token = await csrf_of(client, "/operator/permintaan")
        answer = await client.post(
            f"/operator/permintaan/{request_id}", data={"csrf_token": token, "expert": "ahli-foto"}
        )
        assert answer.status_code == 303
        (sent,) = [c for c in calls if c.method == "POST"]
        assert sent.url.path == f"/help-requests/{request_id}/assign"
        assert json.loads(sent.content) == {"expert_subject": "ahli-foto"}


async def test_a_certificate_code_with_url_safe_characters_is_looked_up(tmp_path: Path) -> None:
    """Codes are ``secrets.token_urlsafe``: ``-`` and ``_`` belong to them."""
    code = "rEpbVjiDRJmW3VGRaBwE9s-_"
    asked: list[str] = []

    def mentoring(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        found = {"name": "Rahayu Lestari", "training": "Diklat Jurnalistik Dasar"}
        found |= {"date": "2027-02-10", "issuer": "Diskominfo Kabupaten Ponorogo"}
        return httpx.Response(200, json=found)

    async with (
        _client(mentoring, "mentoring") as ment,
        portal(settings_for(tmp_path), {"mentoring": ment}) as client,
    ):
        page = await client.get("/sertifikat", params={"kode": code})
        assert page.status_code == 200, page.text
        assert asked == [f"/certificates/{code}"]
        assert "Sertifikat asli." in page.text
        assert "10 Februari 2027" in page.text
        assert "Diskominfo Kabupaten Ponorogo" in page.text
