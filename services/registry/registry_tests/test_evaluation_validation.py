"""Bad evaluation periods are 422 with a specific message, and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]


def jury(key: str, weight: int) -> dict[str, Any]:
    return {"key": key, "label": f"Kriteria {key}", "weight": weight, "source": "jury"}


def auto(key: str, weight: int, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": f"Kriteria {key}", "weight": weight, "source": "auto"} | extra


BANDS = [{"band": "baik", "min_score": 60}, {"band": "cukup", "min_score": 0}]

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "weights",
        {"criteria": [jury("administrasi", 50), jury("media", 40)]},
        "criteria",
        "add up to 90",
    ),
    (
        "duplicate key",
        {"criteria": [jury("administrasi", 50), jury("administrasi", 50)]},
        "criteria[1].key",
        "more than once",
    ),
    (
        "auto without target",
        {"criteria": [jury("administrasi", 50), auto("media", 50, metrics=["article_published"])]},
        "criteria[1].target",
        "target",
    ),
    (
        "auto counting rejections",
        {
            "criteria": [
                jury("administrasi", 50),
                auto("media", 50, metrics=["article_rejected"], target=5),
            ]
        },
        "criteria[1].metrics",
        "article_rejected",
    ),
    (
        "jury with a target",
        {"criteria": [jury("administrasi", 50), jury("media", 50) | {"target": 3}]},
        "criteria[1]",
        "jury criterion",
    ),
    (
        "bands ascending",
        {"bands": [{"band": "cukup", "min_score": 0}, {"band": "baik", "min_score": 60}]},
        "bands[1].min_score",
        "highest first",
    ),
    (
        "bands not down to 0",
        {"bands": [{"band": "baik", "min_score": 60}, {"band": "cukup", "min_score": 30}]},
        "bands[1].min_score",
        "start at 0",
    ),
    (
        "dates",
        {"starts_on": "2026-06-30", "ends_on": "2026-01-01"},
        "ends_on",
        "before it starts",
    ),
    ("unknown kabupaten", {"kabupaten_code": "35.99"}, "body.kabupaten_code", "35.99"),
    (
        "the last day of the calendar",  # ends_on + 1 day would overflow when finalizing
        {"starts_on": "9999-01-01", "ends_on": "9999-12-31"},
        "body.ends_on",
        "must lie between 1900-01-01 and 2100-12-31",
    ),
]


@pytest.mark.parametrize(("case", "change", "field", "words"), CASES, ids=[c[0] for c in CASES])
async def test_invalid_period_is_422_and_not_stored(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    case: str,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    body = {
        "kabupaten_code": "35.02",
        "name": "Evaluasi 2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
        "bands": BANDS,
    } | change
    r = await http.post(
        "/evaluation-periods", json=body, headers=auth("admin_provinsi", region="35")
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert words in problem["detail"]
    assert field in [e["field"] for e in problem["errors"]]
    assert await runtime.pool.fetchval("SELECT count(*) FROM evaluation_periods") == 0


def wire(value: str) -> bytes:
    """Header bytes as a client may send them (servers decode headers as latin-1)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


@pytest.mark.parametrize(
    "if_match", ['"\u00b2"', '"' + "9" * 5000 + '"', '"-1"', '"1.0"', 'W/"\u0663"', '"0x1"']
)
async def test_junk_if_match_is_412_not_500(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult, if_match: str
) -> None:
    """Superscript two and Arabic-Indic digits are digits to str.isdigit; a 5,000-digit tag
    is too long for int(). None of them names a version: 412, as a stale one."""
    headers = auth("operator_kabupaten", region="35.02")
    body = {
        "kabupaten_code": "35.02",
        "name": "Evaluasi 2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
    }
    r = await http.post("/evaluation-periods", json=body, headers=headers)
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/evaluation-periods/{r.json()['id']}/finalize",
        headers=[
            *((k.encode(), v.encode()) for k, v in headers.items()),
            (b"If-Match", wire(if_match)),
        ],
    )
    assert r.status_code == 412, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_malformed_bodies_are_422(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    headers = auth("operator_kabupaten", region="35.02")
    base = {"kabupaten_code": "35.02", "name": "Evaluasi", "starts_on": "2026-01-01"}
    for body in (
        base | {"ends_on": "2026-13-01"},
        base | {"ends_on": "2026-06-30", "criteria": [jury("x", 100) | {"source": "robot"}]},
        base | {"ends_on": "2026-06-30", "kabupaten_code": "35.02.01"},
        base | {"ends_on": "2026-06-30", "surprise": True},
        base | {"ends_on": "2026-06-30", "name": "x" * 151},
    ):
        r = await http.post("/evaluation-periods", json=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"]


async def test_custom_criteria_are_kept(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    body = {
        "kabupaten_code": "35.02",
        "name": "Evaluasi triwulan",
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "criteria": [
            jury("administrasi", 40),
            auto("berita", 60, metrics=["article_published"], target=6),
        ],
        "bands": BANDS,
    }
    r = await http.post(
        "/evaluation-periods", json=body, headers=auth("operator_kabupaten", region="35.02")
    )
    assert r.status_code == 201, r.text
    assert [(c["key"], c["weight"], c["target"]) for c in r.json()["criteria"]] == [
        ("administrasi", 40, None),
        ("berita", 60, 6),
    ]
    assert r.json()["bands"] == BANDS
    template = await http.get("/evaluation-periods/template")
    assert template.status_code == 200
    assert sum(c["weight"] for c in template.json()["criteria"]) == 100
