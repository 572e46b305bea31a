"""Who may do what with KIM groups: tenant isolation (404), pengelola limits (403/404),
roles (401/403)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from tests.test_groups_support import (
    MADIUN,
    PONOROGO,
    SENEPO,
    TAMBAKMAS,
    Auth,
    add,
    counts,
    form,
    kim_body,
    member_body,
    operator,
    pengelola,
)

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration


def every_endpoint(kim_id: str, member_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    kim = f"/kim/{kim_id}"
    member = f"{kim}/members/{member_id}"
    return [
        ("GET", kim, None),
        ("PATCH", kim, {"name": "KIM Diambil Alih"}),
        ("POST", f"{kim}/status", {"to": "dibubarkan", "reason": "x"}),
        ("GET", f"{kim}/history", None),
        ("GET", f"{kim}/members", None),
        ("POST", f"{kim}/members", member_body("anggota", who="bendahara", serial="0007")),
        ("GET", member, None),
        ("PATCH", member, {"full_name": "Nama Lain"}),
        ("POST", f"{member}/end", {"reason": "x"}),
        ("GET", f"/kabupaten/{PONOROGO}/rules", None),
        (
            "PUT",
            f"/kabupaten/{PONOROGO}/rules",
            {
                "max_kim_per_village": 3,
                "required_positions": [],
                "min_members": 1,
                "max_members": 5,
                "dormant_after_days": 30,
            },
        ),
    ]


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    if method in ("PATCH", "PUT"):
        headers = {**headers, "If-Match": '"1"'}
    return await http.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(
    ("role", "region"),
    [("operator_kabupaten", MADIUN), ("admin_provinsi", "33")],
)
async def test_other_tenants_get_404_on_every_endpoint_and_change_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    role: str,
    region: str,
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    member = await add(http, kim["id"], op, member_body("ketua"))
    before = await counts(runtime)
    stranger = auth(role, region=region, sub="stranger")
    missing = await http.get(f"/kim/{uuid.uuid4()}", headers=stranger)
    assert missing.status_code == 404
    for method, url, body in every_endpoint(kim["id"], member["id"]):
        r = await call(http, method, url, body, stranger)
        assert r.status_code == 404, f"{method} {url}: {r.status_code} {r.text}"
        assert r.headers["content-type"] == "application/problem+json"
        if url.startswith("/kim/") and url.count("/") == 2:
            assert r.json()["detail"] == missing.json()["detail"], "indistinguishable from absent"
    assert await counts(runtime) == before


async def test_staff_cannot_form_a_kim_outside_their_region(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    before = await counts(runtime)
    r = await http.post("/kim", json=kim_body(), headers=operator(auth, MADIUN, "op-madiun"))
    assert r.status_code == 403
    assert "only in your own region (35.19)" in r.json()["detail"]
    r = await http.post("/kim", json=kim_body(), headers=auth("admin_provinsi", region="33"))
    assert r.status_code == 403
    assert await counts(runtime) == before
    # The province's admin may form one anywhere in Jawa Timur.
    r = await http.post(
        "/kim", json=kim_body(TAMBAKMAS), headers=auth("admin_provinsi", region="35")
    )
    assert r.status_code == 201, r.text


async def test_a_pengelola_edits_only_its_own_kim(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    a = await form(http, op)
    b = await form(http, op, village=SENEPO, name="KIM Senepo")
    member = await add(http, a["id"], op, member_body("ketua"))
    before = await counts(runtime)

    of_b = pengelola(auth, b["id"], sub="pengelola-b")  # same kabupaten: 403
    of_madiun = auth("pengelola_kim", region=MADIUN, kim_ids=(str(uuid.uuid4()),), sub="pm")
    for headers, status in ((of_b, 403), (of_madiun, 404)):
        for method, url, body in every_endpoint(a["id"], member["id"]):
            if url.startswith("/kabupaten") or url.endswith("/status"):
                continue  # staff-only: 403 for every pengelola (role), below
            if method == "GET" and url == f"/kim/{a['id']}":
                continue  # the public profile is for everyone
            r = await call(http, method, url, body, headers)
            assert r.status_code == status, f"{method} {url}: {r.status_code} {r.text}"
    assert await counts(runtime) == before

    own = pengelola(auth, a["id"])
    for method, url, body in every_endpoint(a["id"], member["id"]):
        r = await call(http, method, url, body, own)
        if url.startswith("/kabupaten") or url.endswith("/status"):
            assert r.status_code == 403, f"{method} {url}"
            assert "needs one of the roles" in r.json()["detail"]
        else:
            assert r.status_code in (200, 201), f"{method} {url}: {r.status_code} {r.text}"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/kim", kim_body()),
        ("PATCH", "/kim/{id}", {"name": "KIM Baru"}),
        ("POST", "/kim/{id}/status", {"to": "aktif"}),
        ("GET", "/kim/{id}/history", None),
        ("POST", "/kim/{id}/members", member_body("ketua")),
        ("GET", f"/kabupaten/{PONOROGO}/rules", None),
    ],
)
async def test_anonymous_callers_must_authenticate(
    http: httpx.AsyncClient,
    auth: Auth,
    ponorogo: ImportResult,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    kim = await form(http, operator(auth))
    r = await call(http, method, url.format(id=kim["id"]), body, {})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


async def test_other_roles_are_forbidden_from_staff_actions(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim = await form(http, operator(auth))
    wartawan = auth("anggota_kim", region=PONOROGO, sub="wartawan")
    assert (await http.post("/kim", json=kim_body(SENEPO), headers=wartawan)).status_code == 403
    r = await http.post(f"/kim/{kim['id']}/status", json={"to": "aktif"}, headers=wartawan)
    assert r.status_code == 403
    # Not its KIM's editor: the members are not there for it.
    assert (await http.get(f"/kim/{kim['id']}/members", headers=wartawan)).status_code == 404
