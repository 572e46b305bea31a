"""Content and the registry end to end, through the real broker (issue 8): a KIM the
registry forms, staffs and activates can write; its published and rejected articles reach
the registry's activity (dormancy and evaluation see them); once dissolved it cannot submit.

Both services run in-process on fresh databases with their real lifespans; content's
projection groups start at the topics' end so it receives exactly what this test publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kim_content.articles import publication, steps
from kim_devstack.registry_api import form_aktif_kim
from kim_devstack.testing import Running, eventually, running_services
from kim_devstack.tokens import bearer
from kim_registry.regions.importer import import_regions
from kim_shared.projections.kim import get_kim

pytestmark = pytest.mark.integration

TUGUREJO = "35.02.01.2001"


@pytest.fixture
async def services(
    pg_server: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[dict[str, Running]]:
    async with running_services(
        pg_server, kafka_bootstrap, tmp_path / "keys", "registry", "content"
    ) as out:
        yield out


async def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


async def test_the_registrys_kim_writes_and_its_articles_reach_the_registry_activity(
    services,
) -> None:
    registry_http, registry = services["registry"]
    content_http, content = services["content"]
    await import_regions(registry.pool, "35.02", registry.source)
    op = bearer(registry.settings, "operator_kabupaten", region="35.02", sub="op-ponorogo")

    kim_id = await form_aktif_kim(registry_http, op)

    async def aktif_in_content() -> bool:
        async with content.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
            return found is not None and found.state.status == "aktif" and len(found.roster) == 3

    await eventually(aktif_in_content, within=120, what="the aktif KIM in content")

    writer = bearer(content.settings, "pengelola_kim", region="35.02", sub="user-sekretaris")
    body = {
        "kim_id": str(kim_id),
        "title": "Festival reog mini di Desa Tugurejo",
        "body": "Anak-anak sanggar menampilkan reog mini di balai desa.",
        "category": "kegiatan_desa",
        "village_code": TUGUREJO,
    }
    published = await _ok(await content_http.post("/articles", json=body, headers=writer))
    rejected = await _ok(
        await content_http.post(
            "/articles", json={**body, "title": "Kabar desa minggu ini"}, headers=writer
        )
    )
    for article in (published, rejected):
        got = await _ok(
            await content_http.post(f"/articles/{article['id']}/submit", headers=writer)
        )
        assert got["status"] == "diskominfo_review"
    now = datetime.now(UTC)
    async with content.pool.acquire() as conn, conn.transaction():
        actor = steps.Actor("mod-1", "moderator")
        await publication.decide(
            conn,
            content.source,
            uuid.UUID(published["id"]),
            approve=True,
            reason_code=None,
            feedback=None,
            actor=actor,
            now=now,
        )
        await publication.decide(
            conn,
            content.source,
            uuid.UUID(rejected["id"]),
            approve=False,
            reason_code="kualitas",
            feedback="Terlalu singkat.",
            actor=actor,
            now=now,
        )

    async def counted() -> bool:
        r = await registry_http.get(f"/kim/{kim_id}/activity", headers=op)
        return r.status_code == 200 and bool(r.json()["recent"].get("article_published") == 1)

    await eventually(counted, within=60, what="the published article in the registry's activity")
    activity = (await registry_http.get(f"/kim/{kim_id}/activity", headers=op)).json()
    assert activity["last_activity_at"] is not None
    assert not activity["dormant_suggested"]
    async with registry.pool.acquire() as conn:
        kinds = sorted(
            r["kind"]
            for r in await conn.fetch("SELECT kind FROM kim_activity WHERE kim_id = $1", kim_id)
        )
    assert kinds == ["article_published", "article_rejected"]

    # dissolved by the registry: its officers can no longer submit
    draft = await _ok(
        await content_http.post(
            "/articles", json={**body, "title": "Tulisan terakhir KIM"}, headers=writer
        )
    )
    await _ok(
        await registry_http.post(
            f"/kim/{kim_id}/status",
            json={"to": "dibubarkan", "reason_code": "digabung"},
            headers=op,
        )
    )

    async def dissolved() -> bool:
        async with content.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
            return found is not None and found.state.status == "dibubarkan"

    await eventually(dissolved, within=60, what="the dissolved KIM in content")
    r = await content_http.post(f"/articles/{draft['id']}/submit", headers=writer)
    assert r.status_code in (403, 409), r.text
    # its published article stays
    async with content.pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM articles WHERE id = $1", uuid.UUID(published["id"])
        )
    assert status == "published"
