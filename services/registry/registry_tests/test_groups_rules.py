"""Per-kabupaten KIM rules: defaults, optimistic concurrency, validation, effect."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import PONOROGO, Auth, counts, kim_body, operator

pytestmark = pytest.mark.integration

URL = f"/kabupaten/{PONOROGO}/rules"


def rules(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "max_kim_per_village": 2,
        "required_positions": ["sekretaris", "ketua"],
        "min_members": 5,
        "max_members": 40,
        "dormant_after_days": 120,
    }
    body.update(change)
    return body


async def test_defaults_until_saved_then_versioned(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    r = await http.get(URL, headers=op)
    assert r.status_code == 200
    assert r.headers["ETag"] == '"0"'
    assert r.json() == {
        "kabupaten_code": PONOROGO,
        "max_kim_per_village": 1,
        "required_positions": ["ketua", "sekretaris", "bendahara"],
        "min_members": 3,
        "max_members": 100,
        "dormant_after_days": 180,
        "version": 0,
        "is_default": True,
        "updated_at": None,
        "updated_by": None,
    }
    assert (await http.put(URL, json=rules(), headers=op)).status_code == 428
    assert (await http.put(URL, json=rules(), headers={**op, "If-Match": '"1"'})).status_code == 412

    r = await http.put(URL, json=rules(), headers={**op, "If-Match": '"0"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"1"'
    saved = r.json()
    assert saved["required_positions"] == ["ketua", "sekretaris"], "canonical order"
    assert (saved["version"], saved["is_default"], saved["updated_by"]) == (1, False, "op-ponorogo")

    r = await http.put(URL, json=rules(min_members=2), headers={**op, "If-Match": '"0"'})
    assert r.status_code == 412
    assert r.headers["ETag"] == '"1"'
    admin = auth("admin_provinsi", region="35", sub="admin-jatim")
    r = await http.put(URL, json=rules(min_members=2), headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200
    assert (r.json()["version"], r.json()["min_members"]) == (2, 2)
    assert (await http.get(URL, headers=op)).json()["updated_by"] == "admin-jatim"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"max_members": 4}, "body.max_members: must be at least min_members"),
        ({"required_positions": ["anggota"]}, "only officer positions may be required"),
        ({"required_positions": ["pelindung"]}, "not pelindung"),
        ({"required_positions": ["ketua", "ketua"]}, "more than once"),
        ({"max_kim_per_village": 0}, "body.max_kim_per_village: must be between 1 and 10"),
        ({"dormant_after_days": 5}, "body.dormant_after_days: must be between 7 and 3650"),
        ({"min_members": 0}, "body.min_members: must be between 1"),
        (
            {"min_members": 1, "max_members": 1},
            "body.max_members: must leave room for one person in each required position",
        ),
        ({"min_members": "5"}, "body.min_members"),
        ({"min_members": 5.5}, "body.min_members"),
        ({"quorum": 3}, "body.quorum"),
    ],
)
async def test_invalid_rules_are_422_and_store_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    change: dict[str, Any],
    expected: str,
) -> None:
    before = await counts(runtime)
    r = await http.put(URL, json=rules(**change), headers={**operator(auth), "If-Match": '"0"'})
    assert r.status_code == 422, r.text
    assert expected in r.json()["detail"]
    assert await counts(runtime) == before


async def test_unknown_kabupaten(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    admin = auth("admin_provinsi", region="35")
    assert (await http.get("/kabupaten/35.99/rules", headers=admin)).status_code == 404
    assert (await http.get("/kabupaten/35.02.01/rules", headers=admin)).status_code == 422


async def test_the_limit_of_kim_per_village_follows_the_rules(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    r = await http.put(URL, json=rules(max_kim_per_village=2), headers={**op, "If-Match": '"0"'})
    assert r.status_code == 200
    for name in ("KIM Satu", "KIM Dua"):
        assert (await http.post("/kim", json=kim_body(name=name), headers=op)).status_code == 201
    r = await http.post("/kim", json=kim_body(name="KIM Tiga"), headers=op)
    assert r.status_code == 409
    assert "allow 2 per village" in r.json()["detail"]
