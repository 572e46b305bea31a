"""Projections end to end (issue 7): the registry publishes, content, marketplace and
mentoring project, ``kim projections check`` compares, ``kim projections rebuild`` repairs.

The registry and the three services run in-process (their real lifespans: pool,
migrations, relay, consumers) on fresh databases and the session's broker. The regions of
:data:`SCOPE` are imported, every service's region projection must then equal the
registry's ``regions`` table (content hashes, by the CLI); a damaged projection is found
by ``check`` and repaired by ``rebuild`` while its service keeps running; a KIM formed,
staffed, activated and dissolved through the registry API arrives in every KIM projection
in that state.

The topics are shared by the whole test session, and consumer group names are fixed per
service (``content.projection.regions``), so the groups are first moved to the topics'
current end: the fresh databases then receive exactly what this test publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from kim_devstack.stack import create_database, with_database
from kim_devstack.testing import eventually, serving, start_groups_at_the_end
from kim_devstack.tokens import bearer
from kim_registry.regions.importer import import_regions
from kim_shared import clock
from kim_shared.cli import main
from kim_shared.events.topics import REGISTRY_KIM_STATE, REGISTRY_REGION
from kim_shared.projections import PROJECTIONS
from kim_shared.projections.cli import angka
from kim_shared.projections.kim import get_kim, role_in_active_kim
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

# ---------------------------------------------------------------------------------------------
# FULL_COUNTRY: all 91,599 regions of Indonesia reach every service's projection (the kit
# consumes in batches: about a minute for the three services here). False imports one
# province (Jawa Timur, 9,199 regions), for a quicker run while changing this test.
FULL_COUNTRY = True
# ---------------------------------------------------------------------------------------------
SCOPE, REGION_COUNT = ("all", 91_599) if FULL_COUNTRY else ("35", 9_199)
WAIT_S = 900.0  # generous: no timing assertion, only a bound on a hang

SERVICES = ("content", "marketplace", "mentoring")
TUGUREJO = "35.02.01.2001"  # desa in Kecamatan Slahung, Kabupaten Ponorogo
TODAY = clock.today()  # WIB, as the services count days


@dataclass
class Platform:
    registry: httpx.AsyncClient
    runtimes: dict[str, Runtime]
    dsns: dict[str, str]

    def pool(self, service: str) -> asyncpg.Pool:
        return self.runtimes[service].pool


def _settings(service: str, dsn: str, bootstrap: str, keys: Path) -> Any:
    module = import_module(f"kim_{service}.settings")
    return getattr(module, f"{service.capitalize()}Settings")(
        database_url=dsn,
        kafka_bootstrap_servers=bootstrap,
        auth_dev_key_dir=str(keys),
        log_json=False,
        outbox_poll_interval_s=0.2,
    )


@pytest.fixture
async def platform(
    pg_server: str, kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    names = {s: f"e2e_{s}_{uuid.uuid4().hex[:8]}" for s in ("registry", *SERVICES)}
    dsns = {s: await create_database(pg_server, name) for s, name in names.items()}
    for service, dsn in dsns.items():  # what the CLI reads, as the services' settings do
        monkeypatch.setenv(f"KIM_{service.upper()}_DATABASE_URL", dsn)
    monkeypatch.setenv("KIM_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    groups = [p.consumer_name(s) for s in SERVICES for p in PROJECTIONS]
    await start_groups_at_the_end(kafka_bootstrap, groups, [REGISTRY_REGION, REGISTRY_KIM_STATE])
    try:
        async with contextlib.AsyncExitStack() as stack:
            clients: dict[str, httpx.AsyncClient] = {}
            runtimes: dict[str, Runtime] = {}
            for service, dsn in dsns.items():
                app = import_module(f"kim_{service}.main").create_app(
                    _settings(service, dsn, kafka_bootstrap, tmp_path / "keys")
                )
                clients[service] = await stack.enter_async_context(serving(app))
                runtimes[service] = app.state.runtime
            yield Platform(clients["registry"], runtimes, dsns)
    finally:
        admin = await asyncpg.connect(with_database(pg_server, "postgres"))
        try:
            for name in names.values():
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def kim_cli(*args: str) -> int:
    code: int = await asyncio.to_thread(main, ["projections", *args])
    return code


@pytest.mark.timeout(WAIT_S + 300)
async def test_regions_reach_every_service_and_a_damaged_projection_is_rebuilt(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = platform.runtimes["registry"]
    imported = await import_regions(registry.pool, SCOPE, registry.source)
    assert imported.inserted == REGION_COUNT

    async def all_projected() -> bool:
        for service in SERVICES:
            n = await platform.pool(service).fetchval("SELECT count(*) FROM region_projection")
            if n != REGION_COUNT:
                return False
        return True

    await eventually(all_projected, within=WAIT_S, what=f"{REGION_COUNT} regions in 3 services")
    assert await kim_cli("check", "--projection", "regions") == 0
    out = capsys.readouterr().out
    for service in SERVICES:
        assert f"{service}/regions: {angka(REGION_COUNT)} baris" in out
    assert out.count("sama dengan registry") == 3
    assert "Semua proyeksi sama" in out

    # Damage content's projection behind the consumer's back: check names every key …
    content = platform.pool("content")
    await content.execute("UPDATE region_projection SET name = 'Salah' WHERE code = '35.02.01'")
    await content.execute(
        "DELETE FROM region_projection WHERE code IN ('35.02.01.2001', '35.02.01.2002')"
    )
    await content.execute(
        "INSERT INTO region_projection VALUES ('99', NULL, 1, 'provinsi', 'X', NULL, true, 0, 0)"
    )
    assert await kim_cli("check", "--projection", "regions") == 1
    out = capsys.readouterr().out
    assert f"content/regions: {angka(REGION_COUNT - 1)} baris" in out  # 2 missing, 1 extra
    assert "BERBEDA dari registry" in out
    assert "    berbeda  (1): 35.02.01\n" in out
    assert "    hilang   (2): 35.02.01.2001, 35.02.01.2002\n" in out
    assert "    berlebih (1): 99\n" in out
    assert out.count("sama dengan registry") == 2, "marketplace and mentoring are fine"

    # … and a rebuild from the topic, while content and its consumer keep running, repairs it.
    assert await kim_cli("rebuild", "content", "regions") == 0
    out = capsys.readouterr().out
    assert f"sekarang {angka(REGION_COUNT)} baris" in out
    assert await kim_cli("check", "--projection", "regions", "--service", "content") == 0
    assert "content/regions" in capsys.readouterr().out


OFFICERS = (
    ("ketua", "Sutrisno Hadi", "3502011705800001"),
    ("sekretaris", "Siti Aminah", "3502014311920002"),
    ("bendahara", "Rahayu Lestari", "3502016501880003"),
)


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: Any) -> Any:
    r = await http.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def test_a_kim_arrives_in_every_kim_projection_in_each_state(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = platform.runtimes["registry"]
    await import_regions(registry.pool, "35.02", registry.source)
    op = bearer(registry.settings, "operator_kabupaten", region="35.02", sub="op-ponorogo")
    http = platform.registry

    kim = await _post(http, "/kim", {"name": "KIM Tugu Media", "village_code": TUGUREJO}, op)
    kim_id = uuid.UUID(kim["id"])
    members = [
        await _post(
            http,
            f"/kim/{kim_id}/members",
            {
                "full_name": name,
                "nik": nik,
                "phone": "0812-3456-7801",
                "position": position,
                "term_start": "2024-01-01",
                "user_subject": f"user-{position}",
            },
            op,
        )
        for position, name, nik in OFFICERS
    ]
    await _post(http, f"/kim/{kim_id}/status", {"to": "aktif"}, op)

    def everywhere(check: Callable[[Runtime], Awaitable[bool]]) -> Callable[[], Awaitable[bool]]:
        async def all_services() -> bool:
            return all([await check(platform.runtimes[s]) for s in SERVICES])

        return all_services

    async def aktif_with_officers(rt: Runtime) -> bool:
        async with rt.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
            return (
                found is not None
                and found.state.status == "aktif"
                and len(found.roster) == 3
                and await role_in_active_kim(conn, kim_id, "user-ketua", on=TODAY) == "ketua"
            )

    await eventually(everywhere(aktif_with_officers), within=120, what="the aktif KIM")
    for rt in (platform.runtimes[s] for s in SERVICES):
        async with rt.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
        assert found is not None
        assert (found.state.village_code, found.state.kecamatan_code) == (TUGUREJO, "35.02.01")
        assert found.state.kabupaten_code == "35.02"
        assert [(m.member_id, m.position, m.user_subject) for m in found.roster] == [
            (uuid.UUID(m["id"]), m["position"], m["user_subject"]) for m in members
        ]

    # The registry's KIM and current members (its source rows) equal every projection.
    assert await kim_cli("check", "--projection", "kim") == 0
    assert capsys.readouterr().out.count("kim: 1 baris") == 3

    await _post(http, f"/kim/{kim_id}/status", {"to": "dibubarkan", "reason_code": "digabung"}, op)
    final = await registry.pool.fetchval("SELECT state_revision FROM kim WHERE id = $1", kim_id)

    async def dissolved(rt: Runtime) -> bool:
        async with rt.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
            return found is not None and found.state.revision == final

    await eventually(everywhere(dissolved), within=120, what="the dissolved KIM")
    for rt in (platform.runtimes[s] for s in SERVICES):
        async with rt.pool.acquire() as conn:
            found = await get_kim(conn, kim_id)
            assert found is not None
            assert (found.state.status, found.roster) == ("dibubarkan", ())
            assert await role_in_active_kim(conn, kim_id, "user-ketua", on=TODAY) is None

    assert await kim_cli("check", "--projection", "kim") == 0
    out = capsys.readouterr().out
    assert out.count("kim: 1 baris") == 3
    assert out.count("sama dengan registry") == 3
