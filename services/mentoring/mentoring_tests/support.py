"""What the mentoring tests share: a stand-in for the registry that publishes regions and
KIM states to the real state topics and waits until mentoring has projected them, and a
reader of the staged outbox."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from kim_devstack.testing import eventually, publish_events
from kim_shared.events.types.registry import KimStateChanged, KimStatus, RegionChanged, RosterEntry
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.projections.regions.lookups import region
from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"
SLAHUNG = "35.02.01"
TUGUREJO = "35.02.01.2001"
GOMBANG = "35.02.01.2002"
MADIUN_KEC = "35.19.01"
MADIUN_DESA = "35.19.01.2001"

REGIONS: list[tuple[str, str | None, int, str, str]] = [
    ("35", None, 1, "provinsi", "Jawa Timur"),
    (PONOROGO, "35", 2, "kabupaten", "Ponorogo"),
    (SLAHUNG, PONOROGO, 3, "kecamatan", "Slahung"),
    (TUGUREJO, SLAHUNG, 4, "desa", "Tugurejo"),
    (GOMBANG, SLAHUNG, 4, "desa", "Gombang"),
    (MADIUN, "35", 2, "kabupaten", "Madiun"),
    (MADIUN_KEC, MADIUN, 3, "kecamatan", "Mejayan"),
    (MADIUN_DESA, MADIUN_KEC, 4, "desa", "Mejayan"),
]


@dataclass
class KimOnTopic:
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
    """Publishes what the registry would, and waits until mentoring has it."""

    def __init__(self, bootstrap: str, runtime: Runtime) -> None:
        self.bootstrap = bootstrap
        self.runtime = runtime

    async def publish_regions(self) -> None:
        events = [
            RegionChanged(code=c, parent_code=p, level=lvl, type=t, name=n)  # type: ignore[arg-type]
            for c, p, lvl, t, n in REGIONS
        ]
        await publish_events(self.bootstrap, "registry", events)

        async def projected() -> bool:
            # Regions are keyed by code over several partitions: wait for every one of them.
            async with self.runtime.pool.acquire() as conn:
                return all([await region(conn, code) is not None for code, *_ in REGIONS])

        await eventually(projected, what="regions in mentoring's projection")

    async def kim(
        self, village: str = TUGUREJO, *, members: dict[str, str] | None = None
    ) -> KimOnTopic:
        """An aktif KIM with ``members`` (login subject → position), published and projected."""
        kim = KimOnTopic(uuid.uuid4(), f"KIM {village}", village)
        for subject, position in (members or {}).items():
            kim.roster[subject] = RosterEntry(
                member_id=uuid.uuid4(),
                position=position,  # type: ignore[arg-type]
                user_subject=subject,
                term_start=date(2024, 1, 1),
            )
        event = kim.event()
        await publish_events(self.bootstrap, "registry", [event])

        async def projected() -> bool:
            async with self.runtime.pool.acquire() as conn:
                return await get_kim(conn, kim.kim_id) is not None

        await eventually(projected, what="KIM in mentoring's projection")
        return kim


async def outbox_payloads(runtime: Runtime) -> list[dict[str, Any]]:
    """Every staged (or sent) event's envelope, oldest first."""
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY id")
    return [json.loads(bytes(r["payload"])) for r in rows]


async def count(runtime: Runtime, table: str) -> int:
    async with runtime.pool.acquire() as conn:
        n: int = await conn.fetchval(f"SELECT count(*) FROM {table}")  # table names are fixed
        return n


DESCRIPTION = "Tolong bantu kami menulis berita kegiatan posyandu desa Tugurejo"


async def put_expert(http, auth, subject: str, **overrides: Any) -> dict[str, Any]:
    body = {"kabupaten_code": PONOROGO, "skills": ["jurnalistik"], "weekly_capacity": 2}
    body.update(overrides)
    r = await http.put(
        f"/experts/{subject}", json=body, headers=auth("operator_kabupaten", region=PONOROGO)
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def open_request(http, headers, kim_id, **overrides: Any):
    body = {"kim_id": str(kim_id), "skill": "jurnalistik", "description": DESCRIPTION}
    body |= {"mode": "online", "urgency": "tinggi", **overrides}
    return await http.post("/help-requests", json=body, headers=headers)
