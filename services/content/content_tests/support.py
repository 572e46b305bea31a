"""What the content tests share: a stand-in for the registry that publishes regions and
KIM states to the real state topics and waits until content has projected them, and
helpers to write and submit articles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx

from kim_content.articles import handlers
from kim_content.articles.handlers import Actor
from kim_devstack.testing import eventually, publish_events
from kim_shared.events.types.registry import KimStateChanged, KimStatus, RegionChanged, RosterEntry
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"
SLAHUNG = "35.02.01"
TUGUREJO = "35.02.01.2001"  # desa in Kecamatan Slahung
GOMBANG = "35.02.01.2002"
BABADAN = "35.02.11"
BABADAN_DESA = "35.02.11.2001"
MADIUN_KEC = "35.19.01"
MADIUN_DESA = "35.19.01.2001"

REGIONS: list[tuple[str, str | None, int, str, str]] = [
    ("35", None, 1, "provinsi", "Jawa Timur"),
    (PONOROGO, "35", 2, "kabupaten", "Ponorogo"),
    (SLAHUNG, PONOROGO, 3, "kecamatan", "Slahung"),
    (TUGUREJO, SLAHUNG, 4, "desa", "Tugurejo"),
    (GOMBANG, SLAHUNG, 4, "desa", "Gombang"),
    (BABADAN, PONOROGO, 3, "kecamatan", "Babadan"),
    (BABADAN_DESA, BABADAN, 4, "desa", "Babadan"),
    (MADIUN, "35", 2, "kabupaten", "Madiun"),
    (MADIUN_KEC, MADIUN, 3, "kecamatan", "Mejayan"),
    (MADIUN_DESA, MADIUN_KEC, 4, "desa", "Mejayan"),
]


@dataclass
class KimOnTopic:
    """One KIM as the registry publishes it; each change bumps the revision."""

    kim_id: uuid.UUID
    name: str
    village_code: str
    status: KimStatus = "aktif"
    roster: dict[str, RosterEntry] = field(default_factory=dict)
    revision: int = 0

    def event(self) -> KimStateChanged:
        self.revision += 1
        parts = self.village_code.split(".")
        return KimStateChanged(
            kim_id=self.kim_id,
            revision=self.revision,
            name=self.name,
            status=self.status,
            village_code=self.village_code,
            kecamatan_code=".".join(parts[:3]),
            kabupaten_code=".".join(parts[:2]),
            roster=list(self.roster.values()),
            changed_at=datetime.now(UTC),
        )


class Registry:
    """Publishes what the registry would, and waits until content has it."""

    def __init__(self, bootstrap: str, runtime: Runtime) -> None:
        self.bootstrap = bootstrap
        self.runtime = runtime

    async def publish_regions(self) -> None:
        events = [
            RegionChanged(code=c, parent_code=p, level=lvl, type=t, name=n)  # type: ignore[arg-type]
            for c, p, lvl, t, n in REGIONS
        ]
        await publish_events(self.bootstrap, "registry", events)

        codes = [code for code, *_ in REGIONS]

        async def projected() -> bool:  # partitions arrive in any order: wait for every one
            async with self.runtime.pool.acquire() as conn:
                found = await conn.fetchval(
                    "SELECT count(*) FROM region_projection WHERE code = ANY($1::text[])", codes
                )
                return bool(found == len(codes))

        await eventually(projected, what="regions in content's projection")

    async def publish(self, kim: KimOnTopic) -> None:
        event = kim.event()
        await publish_events(self.bootstrap, "registry", [event])

        async def projected() -> bool:
            async with self.runtime.pool.acquire() as conn:
                found = await get_kim(conn, kim.kim_id)
                return found is not None and found.state.revision == event.revision

        await eventually(projected, what=f"KIM revision {event.revision} in content")

    async def kim(
        self,
        village: str = TUGUREJO,
        *,
        members: dict[str, str] | None = None,
        status: KimStatus = "aktif",
    ) -> KimOnTopic:
        """A KIM with ``members`` (login subject → position), published and projected."""
        kim = KimOnTopic(uuid.uuid4(), f"KIM {village}", village, status)
        for subject, position in (members or {}).items():
            kim.roster[subject] = member(subject, position)
        await self.publish(kim)
        return kim


def member(subject: str, position: str = "anggota") -> RosterEntry:
    return RosterEntry(
        member_id=uuid.uuid4(),
        position=position,  # type: ignore[arg-type]
        user_subject=subject,
        term_start=date(2024, 1, 1),
    )


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
        await handlers.decide(
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
        await handlers.set_hidden(
            conn, runtime.source, UUID(article_id), True, actor=MODERATOR, now=datetime.now(UTC)
        )


async def take_down(runtime: Runtime, article_id: str) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await handlers.take_down(
            conn,
            runtime.source,
            UUID(article_id),
            "hoaks",
            None,
            actor=MODERATOR,
            now=datetime.now(UTC),
        )
