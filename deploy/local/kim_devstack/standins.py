"""Stand-ins for the registry in a service's tests, on the real broker.

A service under test learns regions and KIM from the registry's state topics; these helpers
publish what the registry would (Kabupaten Ponorogo and Madiun, KIM with their rosters) and
wait until the service has projected it. They also read back what the service staged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

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


def member(subject: str, position: str = "anggota") -> RosterEntry:
    """A current membership of login ``subject`` (since 2024)."""
    return RosterEntry(
        member_id=uuid.uuid4(),
        position=position,  # type: ignore[arg-type]
        user_subject=subject,
        term_start=date(2024, 1, 1),
    )


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
    """Publishes what the registry would, and waits until the service has it."""

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

        await eventually(projected, what="the regions in the service's projection")

    async def publish(self, kim: KimOnTopic) -> None:
        """Publish ``kim``'s next revision and wait until the service has projected it."""
        event = kim.event()
        await publish_events(self.bootstrap, "registry", [event])

        async def projected() -> bool:
            async with self.runtime.pool.acquire() as conn:
                found = await get_kim(conn, kim.kim_id)
                return found is not None and found.state.revision == event.revision

        await eventually(projected, what=f"KIM revision {event.revision} in the service")

    async def kim(
        self,
        village: str = TUGUREJO,
        members: dict[str, str] | None = None,
        *,
        status: KimStatus = "aktif",
    ) -> KimOnTopic:
        """A KIM with ``members`` (login subject → position), published and projected."""
        kim = KimOnTopic(uuid.uuid4(), f"KIM {village}", village, status)
        for subject, position in (members or {}).items():
            kim.roster[subject] = member(subject, position)
        await self.publish(kim)
        return kim


async def outbox_payloads(runtime: Runtime) -> list[dict[str, Any]]:
    """Every staged (or sent) event's envelope, oldest first."""
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY id")
    return [json.loads(bytes(r["payload"])) for r in rows]


async def count(runtime: Runtime, table: str) -> int:
    """Rows in ``table`` (a fixed name from the test, never input)."""
    async with runtime.pool.acquire() as conn:
        n: int = await conn.fetchval(f"SELECT count(*) FROM {table}")
        return n
