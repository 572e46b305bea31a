"""What the content tests share: the registry stand-in's regions and KIM (from
:mod:`kim_devstack.standins`) and helpers to write, submit, publish, hide and take down
articles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from kim_content.articles import publication
from kim_content.articles.steps import Actor
from kim_devstack.standins import (
    BABADAN,
    BABADAN_DESA,
    GOMBANG,
    MADIUN,
    MADIUN_DESA,
    MADIUN_KEC,
    PONOROGO,
    SLAHUNG,
    TUGUREJO,
    KimOnTopic,
    Registry,
    member,
)
from kim_shared.service import Runtime

__all__ = [
    "BABADAN",
    "BABADAN_DESA",
    "GOMBANG",
    "MADIUN",
    "MADIUN_DESA",
    "MADIUN_KEC",
    "PONOROGO",
    "SLAHUNG",
    "TUGUREJO",
    "KimOnTopic",
    "Registry",
    "member",
]


def article_body(kim: KimOnTopic, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kim_id": str(kim.kim_id),
        "title": "Kerja bakti membersihkan saluran air di Desa Tugurejo",
        "body": "Warga RT 02 bergotong royong membersihkan saluran air pada Minggu pagi.\n\n"
        "Kegiatan ini diikuti **puluhan warga** dan perangkat desa.",
        "category": "kegiatan_desa",
        "village_code": kim.village_code,
        "tags": ["gotong royong", "kebersihan"],
    }
    body.update(overrides)
    return body


async def write(
    http: httpx.AsyncClient, headers: dict[str, str], kim: KimOnTopic, **overrides: Any
) -> dict[str, Any]:
    r = await http.post("/articles", json=article_body(kim, **overrides), headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def submit(
    http: httpx.AsyncClient, headers: dict[str, str], article_id: str
) -> httpx.Response:
    return await http.post(f"/articles/{article_id}/submit", headers=headers)


MODERATOR = Actor("mod", "moderator")


async def publish(
    http: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    kim: KimOnTopic,
    **overrides: Any,
) -> dict[str, Any]:
    """Write, submit and (a moderator's decision, through the handler) publish an article."""
    article = await write(http, headers, kim, **overrides)
    r = await submit(http, headers, article["id"])
    assert (r.status_code, r.json().get("status")) == (200, "diskominfo_review"), r.text
    await approve(runtime, article["id"])
    return article


async def approve(runtime: Runtime, article_id: str) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await publication.decide(
            conn,
            runtime.source,
            UUID(article_id),
            approve=True,
            reason_code=None,
            feedback=None,
            actor=MODERATOR,
            now=datetime.now(UTC),
        )


async def hide(runtime: Runtime, article_id: str) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await publication.set_hidden(
            conn, runtime.source, UUID(article_id), True, actor=MODERATOR, now=datetime.now(UTC)
        )


async def take_down(runtime: Runtime, article_id: str) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await publication.take_down(
            conn,
            runtime.source,
            UUID(article_id),
            "hoaks",
            None,
            actor=MODERATOR,
            now=datetime.now(UTC),
        )
