"""POST /regions/imports: roles, tenancy, counts, Idempotency-Key; re-import publishes nothing.

Tenancy (see ``handlers.authorize_import``): another tenant's region is 404, a region
wider than the caller's scope is 403, ``all`` is 403 (CLI only).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from kim_devstack.testing import eventually
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]
REGION_EVENT = "kim.registry.region.changed.v1"


async def outbox_rows(runtime: Runtime) -> int:
    n: int = await runtime.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE event_type = $1", REGION_EVENT
    )
    return n


async def regions_count(runtime: Runtime) -> int:
    n: int = await runtime.pool.fetchval("SELECT count(*) FROM regions")
    return n


async def test_operator_imports_its_kabupaten_with_counts_and_events(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    headers = auth("operator_kabupaten", region="35.02")
    response = await http.post("/regions/imports", json={"scope": "35.02"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "scope": "35.02",
        "total": 1 + 1 + 21 + 307,
        "inserted": 330,
        "updated": 0,
        "retired": 0,
        "unchanged": 0,
        "events": 330,
    }
    assert await outbox_rows(runtime) == 330
    counts = await http.get("/regions/35.02/summary")
    assert counts.json()["totals"]["villages"] == 307

    # The running relay publishes the staged snapshots.
    async def published() -> bool:
        pending: int = await runtime.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        )
        return pending == 0

    await eventually(published, what="the relay to publish the region snapshots")


async def test_reimport_over_http_changes_and_publishes_nothing(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    headers = auth("operator_kabupaten", region="35.02")
    first = await http.post("/regions/imports", json={"scope": "35.02"}, headers=headers)
    assert first.status_code == 200
    before = await outbox_rows(runtime)
    again = await http.post("/regions/imports", json={"scope": "35.02"}, headers=headers)
    assert again.status_code == 200
    body = again.json()
    assert (body["inserted"], body["updated"], body["retired"], body["events"]) == (0, 0, 0, 0)
    assert body["unchanged"] == body["total"] == 330
    assert await outbox_rows(runtime) == before


async def test_admin_provinsi_imports_a_kecamatan_inside_its_province(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    headers = auth("admin_provinsi", region="35")
    response = await http.post("/regions/imports", json={"scope": "35.02.01"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["inserted"]) == (3 + 22, 25)
    assert await regions_count(runtime) == 25


async def test_changed_name_is_updated_and_published_once(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    headers = auth("admin_provinsi", region="35")
    await http.post("/regions/imports", json={"scope": "35.02"}, headers=headers)
    await runtime.pool.execute("UPDATE regions SET name = 'Lama' WHERE code = '35.02.01.2003'")
    before = await outbox_rows(runtime)
    response = await http.post("/regions/imports", json={"scope": "35.02"}, headers=headers)
    body = response.json()
    assert (body["updated"], body["events"], body["unchanged"]) == (1, 1, 329)
    assert await outbox_rows(runtime) == before + 1
    name = await runtime.pool.fetchval("SELECT name FROM regions WHERE code = '35.02.01.2003'")
    assert name == "Slahung"


async def test_idempotency_key_replays_the_first_answer(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    headers = {**auth("operator_kabupaten", region="35.02"), "Idempotency-Key": "imp-1"}
    first = await http.post("/regions/imports", json={"scope": "35.02.01"}, headers=headers)
    assert first.status_code == 200
    assert first.json()["inserted"] == 25
    events = await outbox_rows(runtime)

    replay = await http.post("/regions/imports", json={"scope": "35.02.01"}, headers=headers)
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()  # the first answer, not "0 inserted"
    assert await outbox_rows(runtime) == events

    other = await http.post("/regions/imports", json={"scope": "35.02.02"}, headers=headers)
    assert other.status_code == 422
    assert "different body" in other.json()["detail"]
    assert await regions_count(runtime) == 25


@pytest.mark.parametrize(
    ("roles", "region", "scope", "status", "fragment"),
    [
        # Another tenant's kabupaten or kecamatan, or a region wider than the caller's own:
        # a scope named in the body that the caller cannot import (422, like an unknown one).
        (("operator_kabupaten",), "35.19", "35.02", 422, "not inside your region scope (35.19)"),
        (("operator_kabupaten",), "35.19", "35.02.01", 422, "not inside your region scope"),
        (("admin_provinsi",), "35", "36.01", 422, "not inside your region scope (35)"),
        (("operator_kabupaten",), "35.02", "35", 422, "not inside your region scope (35.02)"),
        # A nationwide second role widens nothing.
        (("operator_kabupaten", "pendamping"), "35.19", "35.02", 422, "not inside your region"),
        # All of Indonesia: the CLI only.
        (("admin_provinsi",), "35", "all", 403, "kim regions import --scope all"),
        # Not staff.
        (("pengelola_kim",), "35.02", "35.02", 403, "admin_provinsi"),
        (("anggota_kim",), "35.02", "35.02.01", 403, "operator_kabupaten"),
        # Bad scopes: 422.
        (("admin_provinsi",), "35", "35.99", 422, "not a region in the Kemendagri data"),
        (("admin_provinsi",), "35", "35.02.01.2001", 422, "import its kecamatan 35.02.01"),
        (("admin_provinsi",), "35", "Ponorogo", 422, "not 'all' nor a provinsi"),
    ],
)
async def test_import_refusals(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    roles: tuple[str, ...],
    region: str,
    scope: str,
    status: int,
    fragment: str,
) -> None:
    headers = auth(*roles, region=region)
    response = await http.post("/regions/imports", json={"scope": scope}, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fragment in response.json()["detail"]
    assert await regions_count(runtime) == 0, "nothing is written"
    assert await outbox_rows(runtime) == 0


async def test_import_needs_a_token_and_a_valid_body(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth
) -> None:
    anonymous = await http.post("/regions/imports", json={"scope": "35.02"})
    assert anonymous.status_code == 401
    headers = auth("admin_provinsi", region="35")
    for body in ({}, {"scope": ""}, {"scope": "35.02", "extra": 1}, {"scope": "3" * 21}):
        response = await http.post("/regions/imports", json=body, headers=headers)
        assert response.status_code == 422, body
    assert await regions_count(runtime) == 0
