"""Dormancy suggestions: idle for the kabupaten's dormant_after_days since the later of last
activity and activation; rejections are not activity; the status never changes by itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]
NOW = datetime.now(UTC)


async def insert_kim(
    runtime: Runtime,
    village: str,
    status: str = "aktif",
    *,
    created_days_ago: int = 400,
    name: str | None = None,
) -> uuid.UUID:
    kim_id = uuid.uuid4()
    await runtime.pool.execute(
        "INSERT INTO kim (id, name, village_code, kabupaten_code, status, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5, 'test', $6)",
        kim_id,
        name or f"KIM {kim_id.hex[:6]}",
        village,
        village[:5],
        status,
        NOW - timedelta(days=created_days_ago),
    )
    return kim_id


async def fact(runtime: Runtime, kim_id: uuid.UUID, kind: str, days_ago: int) -> None:
    await runtime.pool.execute(
        "INSERT INTO kim_activity (kim_id, kind, source_id, occurred_at) VALUES ($1, $2, $3, $4)",
        kim_id,
        kind,
        uuid.uuid4(),
        NOW - timedelta(days=days_ago),
    )


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["kim_id"]: k for k in report["kim"]}


@pytest.fixture
async def kims(runtime: Runtime, ponorogo: ImportResult) -> dict[str, uuid.UUID]:
    quiet = await insert_kim(runtime, "35.02.01.2001", name="KIM Sepi")
    await fact(runtime, quiet, "article_published", 200)
    busy = await insert_kim(runtime, "35.02.01.2002", name="KIM Ramai")
    await fact(runtime, busy, "article_published", 10)
    await fact(runtime, busy, "training_attended", 100)
    reactivated = await insert_kim(runtime, "35.02.01.2003", name="KIM Baru Aktif")
    await runtime.pool.execute(
        "INSERT INTO kim_status_history (kim_id, from_status, to_status, changed_by, changed_at)"
        " VALUES ($1, 'tidak_aktif', 'aktif', 'op', $2)",
        reactivated,
        NOW - timedelta(days=20),
    )
    rejected_only = await insert_kim(runtime, "35.02.01.2004", name="KIM Ditolak")
    await fact(runtime, rejected_only, "article_rejected", 5)
    already_dormant = await insert_kim(runtime, "35.02.01.2005", "tidak_aktif", name="KIM Tidur")
    dissolved = await insert_kim(runtime, "35.02.01.2006", "dibubarkan", name="KIM Bubar")
    madiun = await insert_kim(runtime, "35.19.01.2001", name="KIM Madiun")
    return {
        "quiet": quiet,
        "busy": busy,
        "reactivated": reactivated,
        "rejected_only": rejected_only,
        "already_dormant": already_dormant,
        "dissolved": dissolved,
        "madiun": madiun,
    }


async def test_dormancy_suggestions_follow_the_kabupaten_rule(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, kims: dict[str, uuid.UUID]
) -> None:
    operator = auth("operator_kabupaten", region="35.02")
    r = await http.get("/kim/activity", params={"kabupaten": "35.02"}, headers=operator)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["dormant_after_days"] == 180  # no kabupaten_rules row: the default
    rows = by_id(report)
    assert str(kims["madiun"]) not in rows  # another kabupaten
    assert str(kims["dissolved"]) not in rows
    flags = {name: rows[str(i)]["dormant_suggested"] for name, i in kims.items() if str(i) in rows}
    assert flags == {
        "quiet": True,  # 200 idle days >= 180
        "busy": False,
        "reactivated": False,  # activated 20 days ago: the silence before does not count
        "rejected_only": True,  # a rejected article is not a sign of life
        "already_dormant": False,  # tidak_aktif already: nothing to suggest
    }
    busy = rows[str(kims["busy"])]
    assert busy["recent"] == {"article_published": 1}  # the training is outside 90 days
    assert busy["idle_days"] == 10
    assert rows[str(kims["quiet"])]["idle_days"] == 200
    assert rows[str(kims["rejected_only"])]["last_activity_at"] is None
    assert rows[str(kims["rejected_only"])]["recent"] == {"article_rejected": 1}

    wide = await http.get(
        "/kim/activity",
        params={"kabupaten": "35.02", "window_days": 365, "dormant": "true"},
        headers=operator,
    )
    assert wide.status_code == 200
    assert {k["name"] for k in wide.json()["kim"]} == {"KIM Sepi", "KIM Ditolak"}

    # The period is configurable per kabupaten.
    await runtime.pool.execute(
        "INSERT INTO kabupaten_rules (kabupaten_code, dormant_after_days) VALUES ('35.02', 365)"
    )
    r = await http.get("/kim/activity", headers=operator)  # default: the operator's kabupaten
    assert r.status_code == 200
    report = r.json()
    assert report["dormant_after_days"] == 365
    rows = by_id(report)
    assert rows[str(kims["quiet"])]["dormant_suggested"] is False  # 200 < 365
    assert rows[str(kims["rejected_only"])]["dormant_suggested"] is True  # 400 >= 365

    # A suggestion only: no status changed.
    statuses = await runtime.pool.fetch(
        "SELECT status, count(*) AS n FROM kim GROUP BY status ORDER BY status"
    )
    assert {s["status"]: s["n"] for s in statuses} == {
        "aktif": 5,
        "dibubarkan": 1,
        "tidak_aktif": 1,
    }


async def test_one_kim_activity_and_tenancy(
    http: httpx.AsyncClient, auth: Auth, kims: dict[str, uuid.UUID]
) -> None:
    quiet = kims["quiet"]
    r = await http.get(f"/kim/{quiet}/activity", headers=auth("admin_provinsi", region="35"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dormant_suggested"] is True
    assert body["kabupaten_code"] == "35.02"
    assert body["recent"] == {}

    own = auth("pengelola_kim", region="35.02", kim_ids=(str(quiet),))
    assert (await http.get(f"/kim/{quiet}/activity", headers=own)).status_code == 200

    other_kim = auth("pengelola_kim", region="35.02", kim_ids=(str(kims["busy"]),))
    madiun = auth("operator_kabupaten", region="35.19")
    for headers in (other_kim, madiun):
        r = await http.get(f"/kim/{quiet}/activity", headers=headers)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
    r = await http.get("/kim/activity", params={"kabupaten": "35.02"}, headers=madiun)
    assert r.status_code == 404
    assert (await http.get(f"/kim/{uuid.uuid4()}/activity", headers=madiun)).status_code == 404
    assert (await http.get("/kim/activity", params={"kabupaten": "35.02"})).status_code == 401
    r = await http.get(
        "/kim/activity",
        params={"kabupaten": "35.02.01"},
        headers=auth("operator_kabupaten", region="35.02"),
    )
    assert r.status_code == 422
