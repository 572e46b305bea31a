"""KIM profile updates (ETag/If-Match, events), the public directory."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from kim_registry.groups import repository
from kim_registry.regions.importer import ImportResult
from kim_shared.db import Connection
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    MADIUN,
    PONOROGO,
    RONOWIJAYAN,
    SENEPO,
    Auth,
    counts,
    form,
    kim_events,
    operator,
    pengelola,
    set_status,
)

pytestmark = pytest.mark.integration


# --- profile updates and ETags --------------------------------------------------------------


async def test_profile_patch_needs_if_match_and_publishes_changed_field_names(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    url = f"/kim/{kim['id']}"
    change = {"name": "KIM Tugu Media Baru", "contact_channel": None}
    before = await counts(runtime)

    r = await http.patch(url, json=change, headers=op)
    assert r.status_code == 428
    assert "If-Match" in r.json()["detail"]
    r = await http.patch(url, json=change, headers={**op, "If-Match": '"7"'})
    assert r.status_code == 412
    assert r.headers["ETag"] == '"1"'
    r = await http.patch(url, json=change, headers={**op, "If-Match": "*"})
    assert r.status_code == 428
    assert await counts(runtime) == before

    r = await http.patch(url, json=change, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    assert (r.json()["name"], r.json()["contact_channel"]) == ("KIM Tugu Media Baru", None)
    updated = (await kim_events(runtime, kim["id"]))[-1]
    assert updated["type"] == "kim.registry.kim.profile_updated.v1"
    assert updated["data"]["changed_fields"] == ["contact_channel", "name"]
    assert updated["data"]["version"] == 2
    assert "kimtugumedia" not in updated["raw"]

    # The old ETag is stale now; the same values again change nothing.
    r = await http.patch(url, json=change, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 412
    n = len(await kim_events(runtime))
    r = await http.patch(url, json=change, headers={**op, "If-Match": 'W/"2"'})
    assert r.status_code == 200
    assert r.headers["ETag"] == '"2"'
    assert len(await kim_events(runtime)) == n


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, "send at least one field"),
        ({"name": None}, "name cannot be null"),
        ({"village_code": SENEPO}, "body.village_code"),
        ({"sk_date": "2021/03/15"}, "body.sk_date"),
        ({"links": ["ftp://x.example"]}, "body.links[0]"),
        ({"sk_number": None}, "give its sk_number too"),
    ],
)
async def test_bad_profile_patch_is_422_and_changes_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    change: dict[str, Any],
    expected: str,
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    before = await counts(runtime)
    r = await http.patch(f"/kim/{kim['id']}", json=change, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 422, r.text
    assert expected in r.text
    assert await counts(runtime) == before


async def test_own_pengelola_edits_the_profile_but_not_the_status(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim = await form(http, operator(auth))
    mine = pengelola(auth, kim["id"])
    r = await http.patch(
        f"/kim/{kim['id']}", json={"links": []}, headers={**mine, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["view"] == "pengelola"
    r = await set_status(http, kim["id"], mine, "aktif")
    assert r.status_code == 403


# --- directory ------------------------------------------------------------------------------


async def test_directory_filters_and_pages(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    a = await form(http, op, name="KIM Tugu Media")
    b = await form(http, op, village=SENEPO, name="KIM Senepo Bersatu")
    c = await form(http, op, village=RONOWIJAYAN, name="KIM Ronowijayan")
    madiun = await form(
        http, operator(auth, MADIUN, "op-madiun"), village="35.19.01.2001", name="KIM Tambakmas"
    )

    everything = (await http.get("/kim")).json()
    assert [k["id"] for k in everything["items"]] == [a["id"], b["id"], c["id"], madiun["id"]]
    assert everything["next_cursor"] is None
    assert "sk_number" not in everything["items"][0]
    assert "contact_channel" not in everything["items"][0]

    async def ids(**params: Any) -> list[str]:
        r = await http.get("/kim", params=params)
        assert r.status_code == 200, r.text
        return [k["id"] for k in r.json()["items"]]

    assert await ids(kecamatan="35.02.01") == [a["id"], b["id"]]
    assert await ids(kabupaten=PONOROGO, village=SENEPO) == [b["id"]]
    assert await ids(kabupaten=MADIUN, kecamatan="35.02.01") == []
    assert await ids(q="senepo") == [b["id"]]
    assert await ids(q="100%") == []
    assert await ids(status="aktif") == []

    page1 = (await http.get("/kim", params={"limit": 2})).json()
    page2 = (await http.get("/kim", params={"limit": 2, "cursor": page1["next_cursor"]})).json()
    assert [k["id"] for k in page1["items"] + page2["items"]] == [
        a["id"],
        b["id"],
        c["id"],
        madiun["id"],
    ]
    assert page2["next_cursor"] is None
    r = await http.get("/kim", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422
    assert "cursor is not valid" in r.json()["detail"]
    r = await http.get("/kim", params={"kabupaten": "35.2"})
    assert r.status_code == 422

    # A staff token sees its own tenant only.
    r = await http.get("/kim", headers=operator(auth, MADIUN, "op-madiun"))
    assert [k["id"] for k in r.json()["items"]] == [madiun["id"]]
    r = await http.get("/kim", params={"kabupaten": PONOROGO}, headers=op)
    assert [k["id"] for k in r.json()["items"]] == [a["id"], b["id"], c["id"]]


async def test_the_directory_pages_a_region_through_its_index(
    runtime: Runtime, ponorogo: ImportResult
) -> None:
    """The region subtree, the order and the keyset cursor are all served by the
    ``kim_directory`` index (village_code in the "C" collation, id): an index scan with no
    sort, for the first page and the next, in custom and generic prepared plans."""
    await runtime.pool.execute(
        """
        INSERT INTO kim (id, name, village_code, kabupaten_code, created_by)
        SELECT gen_random_uuid(), 'KIM ' || v.name || ' ' || n, v.code, '35.02', 'test'
        FROM regions v, generate_series(1, 10) n
        WHERE v.level = 4 AND v.code LIKE '35.02.%'
        """
    )
    await runtime.pool.execute("ANALYZE kim")
    sql = repository._DIRECTORY
    nil = "'00000000-0000-0000-0000-000000000000'"
    first = ("'35.02.01'", "'35.02.01/'", "''", nil, "NULL", "NULL", "51")
    after = ("'35.02'", "'35.02/'", "'35.02.05.2003'", f"'{uuid.uuid4()}'", "'calon'", "NULL", "51")
    everything = ("''", "'~'", "''", nil, "NULL", "NULL", "51")
    async with runtime.pool.acquire() as conn:
        for args in (first, after, everything):
            for generic in (False, True):
                nodes = await plan_nodes(conn, sql, args, generic=generic)
                assert "Sort" not in nodes, nodes
                assert any("kim_directory" in n for n in nodes), nodes


async def plan_nodes(
    conn: Connection, sql: str, args: tuple[str, ...], *, generic: bool
) -> list[str]:
    """Every node of the plan as ``<node type>[ <index name>]``."""
    mode = "force_generic_plan" if generic else "force_custom_plan"
    async with conn.transaction():
        await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
        await conn.execute(f"PREPARE directory AS {sql}")
        try:
            explained = await conn.fetchval(
                f"EXPLAIN (FORMAT JSON) EXECUTE directory({', '.join(args)})"
            )
        finally:
            await conn.execute("DEALLOCATE directory")
    if isinstance(explained, str):
        explained = json.loads(explained)
    out: list[str] = []
    nodes = [explained[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        out.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
    return out
