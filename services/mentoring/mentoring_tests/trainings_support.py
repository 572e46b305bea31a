"""What the training tests share: the mentoring service on the real broker and a fresh
database, a stand-in for the registry that publishes Kabupaten Ponorogo and Madiun and their
KIM on the real state topics, and helpers to schedule trainings and read the outbox.

Fixtures are prefixed ``trn_`` so that they sit beside the help-request tests' own."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kim_devstack.testing import (
    bearer,
    eventually,
    publish_events,
    serving,
    start_groups_at_the_end,
)
from kim_mentoring.main import SPEC, create_app
from kim_mentoring.settings import MentoringSettings
from kim_shared.events.topics import REGISTRY_KIM_STATE, REGISTRY_REGION
from kim_shared.events.types.registry import KimStateChanged, RegionChanged, RosterEntry
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.projections.regions.lookups import region
from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"
TUGUREJO = "35.02.01.2001"
MADIUN_DESA = "35.19.01.2001"
BASE_URL = "https://kim.example/mentoring"

REGIONS: list[tuple[str, str | None, int, str, str]] = [
    ("35", None, 1, "provinsi", "Jawa Timur"),
    (PONOROGO, "35", 2, "kabupaten", "Ponorogo"),
    ("35.02.01", PONOROGO, 3, "kecamatan", "Slahung"),
    (TUGUREJO, "35.02.01", 4, "desa", "Tugurejo"),
    (MADIUN, "35", 2, "kabupaten", "Madiun"),
    ("35.19.01", MADIUN, 3, "kecamatan", "Mejayan"),
    (MADIUN_DESA, "35.19.01", 4, "desa", "Mejayan"),
]

Auth = Callable[..., dict[str, str]]


@dataclass
class Kim:
    kim_id: uuid.UUID
    village_code: str
    members: dict[str, uuid.UUID] = field(default_factory=dict)


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
            async with self.runtime.pool.acquire() as conn:
                return all([await region(conn, code) is not None for code, *_ in REGIONS])

        await eventually(projected, what="regions in mentoring's projection")

    async def kim(self, village: str, members: dict[str, str]) -> Kim:
        """An aktif KIM with ``members`` (login subject → position), published and projected."""
        kim = Kim(uuid.uuid4(), village)
        roster = []
        for subject, position in members.items():
            kim.members[subject] = uuid.uuid4()
            roster.append(
                RosterEntry(
                    member_id=kim.members[subject],
                    position=position,  # type: ignore[arg-type]
                    user_subject=subject,
                    term_start=date(2024, 1, 1),
                )
            )
        parts = village.split(".")
        event = KimStateChanged(
            kim_id=kim.kim_id,
            revision=1,
            name=f"KIM {village}",
            status="aktif",
            village_code=village,
            kecamatan_code=".".join(parts[:3]),
            kabupaten_code=".".join(parts[:2]),
            roster=roster,
            changed_at=datetime.now(UTC),
        )
        await publish_events(self.bootstrap, "registry", [event])

        async def projected() -> bool:
            async with self.runtime.pool.acquire() as conn:
                return await get_kim(conn, kim.kim_id) is not None

        await eventually(projected, what="KIM in mentoring's projection")
        return kim


@pytest.fixture
def trn_settings(fresh_db: str, kafka_bootstrap: str, tmp_path: Path) -> MentoringSettings:
    return MentoringSettings(
        database_url=fresh_db,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
        public_base_url=BASE_URL,
    )


@pytest.fixture
async def trn_app(trn_settings: MentoringSettings, kafka_bootstrap: str) -> AsyncIterator[FastAPI]:
    projections = [c.name for c in SPEC.every_consumer if ".projection." in c.name]
    await start_groups_at_the_end(
        kafka_bootstrap, projections, [REGISTRY_REGION, REGISTRY_KIM_STATE]
    )
    application = create_app(trn_settings)
    async with serving(application) as client:
        application.state.test_client = client
        yield application


@pytest.fixture
def trn_http(trn_app: FastAPI) -> httpx.AsyncClient:
    client: httpx.AsyncClient = trn_app.state.test_client
    return client


@pytest.fixture
def trn_runtime(trn_app: FastAPI) -> Runtime:
    rt: Runtime = trn_app.state.runtime
    return rt


@pytest.fixture
def trn_auth(trn_settings: MentoringSettings) -> Auth:
    """``trn_auth("anggota_kim", sub="ani", region="35.02")`` → headers with a valid token."""

    def make(*roles: str, **kwargs: Any) -> dict[str, str]:
        return bearer(trn_settings, *roles, **kwargs)

    return make


@pytest.fixture
async def trn_registry(trn_runtime: Runtime, kafka_bootstrap: str) -> Registry:
    reg = Registry(kafka_bootstrap, trn_runtime)
    await reg.publish_regions()
    return reg


#: Tuesday and Wednesday, working days (Friday 5 February 2027 is a holiday).
STARTS_ON = date(2027, 2, 9)
ENDS_ON = date(2027, 2, 10)


def training_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Diklat Jurnalistik Dasar KIM Ponorogo",
        "skill": "jurnalistik",
        "level": "dasar",
        "kabupaten_code": PONOROGO,
        "venue": "Aula Diskominfo Ponorogo",
        "starts_on": STARTS_ON.isoformat(),
        "ends_on": ENDS_ON.isoformat(),
        "capacity": 2,
        "waitlist": True,
        "audience": "KIM baru",
        "prerequisites": "Membawa laptop atau ponsel.",
    }
    body.update(overrides)
    return body


def operator(auth: Auth, region: str = PONOROGO) -> dict[str, str]:
    return auth("operator_kabupaten", sub=f"op-{region}", region=region)


async def schedule(http: httpx.AsyncClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    r = await http.post("/trainings", json=training_body(**overrides), headers=operator(auth))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def member(auth: Auth, sub: str, region: str = PONOROGO) -> dict[str, str]:
    return auth("anggota_kim", sub=sub, region=region)


async def register(
    http: httpx.AsyncClient, auth: Auth, training_id: str, sub: str, name: str
) -> httpx.Response:
    return await http.post(
        f"/trainings/{training_id}/registrations",
        json={"participant_name": name},
        headers=member(auth, sub),
    )


def slug(r: httpx.Response) -> str:
    problem: dict[str, Any] = r.json()
    return str(problem["type"]).rsplit("/", 1)[-1]


async def outbox_payloads(runtime: Runtime) -> list[dict[str, Any]]:
    """Every staged (or sent) event's envelope, oldest first."""
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY id")
    return [json.loads(bytes(r["payload"])) for r in rows]


async def count(runtime: Runtime, table: str) -> int:
    async with runtime.pool.acquire() as conn:
        n: int = await conn.fetchval(f"SELECT count(*) FROM {table}")  # table names are fixed
        return n
