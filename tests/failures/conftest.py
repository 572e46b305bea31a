"""One platform for the whole failure package: the four services as real processes on a Kafka
the tests may kill (the session's outage node, wiped so its topics hold only what these
tests make happen) and PostgreSQL, mentoring's database on a PostgreSQL of its own. Each test
leaves the platform running as it found it (restarting what it killed)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kim_devstack.kafka import KafkaNode
from kim_devstack.postgres import PostgresNode
from kim_devstack.process import port_open
from kim_devstack.processes import Fleet
from kim_devstack.registry_api import form_aktif_kim
from kim_devstack.testing import eventually, services_base_port
from kim_registry.regions.importer import import_regions
from kim_shared.events.topics import declared_topics
from kim_shared.kafka import ensure_topics
from kim_shared.outbox import EventSource
from tests.failures.support import PONOROGO, PROJECTING, WITHIN, Platform, ok

RENAMED_KIM = 6
"""KIM the load renames concurrently (one writer per KIM, so order per key is defined)."""

SERVICE_ENV = {
    "KIM_KAFKA_SEND_TIMEOUT_S": "2",
    "KIM_KAFKA_STOP_TIMEOUT_S": "2",
    "KIM_LOG_JSON": "false",
    # small relay batches: a backlog takes long enough to publish for a test to kill the
    # relay in the middle of it
    "KIM_REGISTRY_OUTBOX_BATCH_SIZE": "50",
    **{f"KIM_{s.upper()}_OUTBOX_POLL_INTERVAL_S": "0.2" for s in (*PROJECTING, "registry")},
}


def _fresh_kafka(node: KafkaNode) -> None:
    node.stop()
    shutil.rmtree(node.data_dir, ignore_errors=True)
    node.start()
    asyncio.run(ensure_topics(node.bootstrap_servers, declared_topics()))


@pytest.fixture(scope="package")
async def platform(
    outage_kafka_node: KafkaNode,
    outage_postgres_node: PostgresNode,
    pg_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Platform]:
    work = tmp_path_factory.mktemp("failures")
    await asyncio.to_thread(_fresh_kafka, outage_kafka_node)
    mentoring_pg = outage_postgres_node
    if not port_open(mentoring_pg.host, mentoring_pg.port):  # an earlier test left it down
        await asyncio.to_thread(mentoring_pg.start)
    fleet = Fleet(
        kafka_bootstrap=outage_kafka_node.bootstrap_servers,
        postgres_url=pg_server,
        work=work,
        base_port=services_base_port(),
        prefix="fail",
        env=SERVICE_ENV,
    )
    p = Platform(fleet, outage_kafka_node.bootstrap_servers, mentoring_pg, outage_kafka_node)
    try:
        await asyncio.to_thread(fleet.database, "mentoring", server=mentoring_pg.admin_dsn)
        await asyncio.to_thread(fleet.start)
        async with httpx.AsyncClient(timeout=30) as client:
            await _seed(p, client)
        yield p
    finally:
        for pool in p.pools.values():
            await pool.close()
        if outage_kafka_node.pid is None:
            await asyncio.to_thread(outage_kafka_node.start)
        if not port_open(mentoring_pg.host, mentoring_pg.port):
            await asyncio.to_thread(mentoring_pg.start)
        await asyncio.to_thread(fleet.stop)
        print(f"failure platform logs: {Path(work) / 'logs'}")


@pytest.fixture(autouse=True)
async def _whole_platform_after(platform: Platform) -> AsyncIterator[None]:
    """Whatever a test killed and did not start again (it failed half-way) is restarted
    after it, so one failure does not take the next tests' services down with it."""
    yield
    revived = await asyncio.to_thread(platform.fleet.revive)
    if revived:
        print(f"restarted after the test: {', '.join(revived)}")


async def _seed(p: Platform, client: httpx.AsyncClient) -> None:
    """Ponorogo's regions in every service; an aktif KIM assisting a seller; KIM to rename."""
    registry = await p.pool("registry")
    await import_regions(registry, PONOROGO, EventSource("registry"))
    villages = [
        r["code"]
        for r in await registry.fetch(
            "SELECT code FROM regions WHERE level = 4 AND code LIKE '35.02.%' ORDER BY code"
        )
    ]
    regions = int(await registry.fetchval("SELECT count(*) FROM regions"))
    for service in PROJECTING:

        async def projected(s: str = service) -> bool:
            rows = await p.fetch(s, "SELECT count(*) AS n FROM region_projection")
            return int(rows[0]["n"]) == regions

        await eventually(projected, within=WITHIN, what=f"the regions in {service}")

    registry_url = p.url("registry")
    p.operator = {
        "Authorization": "Bearer "
        + p.fleet.token("operator_kabupaten", region=PONOROGO, sub="op-ponorogo")
    }
    async with httpx.AsyncClient(base_url=registry_url, timeout=30) as registry_http:
        kim_id = await form_aktif_kim(registry_http, p.operator, village_code=villages.pop(0))
    p.aktif_kim = str(kim_id)
    for _ in range(RENAMED_KIM):
        created = ok(
            await client.post(
                f"{registry_url}/kim",
                json={"name": f"KIM Uji {len(p.kims)}", "village_code": villages.pop(0)},
                headers=p.operator,
            )
        )
        p.kims.append(created["id"])
    p.free_villages = villages

    async def aktif_in_marketplace() -> bool:
        rows = await p.fetch(
            "marketplace",
            "SELECT status FROM kim_projection WHERE kim_id = $1::uuid",
            p.aktif_kim,
        )
        return bool(rows) and rows[0]["status"] == "aktif"

    await eventually(aktif_in_marketplace, within=WITHIN, what="the aktif KIM in marketplace")
    p.owner = {
        "Authorization": "Bearer " + p.fleet.token("pelaku_umkm", region=PONOROGO, sub="bu-sri")
    }
    seller = ok(
        await client.post(
            f"{p.url('marketplace')}/sellers",
            json={
                "business_name": "Keripik Bu Sri",
                "owner_name": "Sri Wahyuningsih",
                "village_code": "35.02.01.2001",
                "address": "Jl. Raya Slahung No. 17 RT 02 RW 01",
                "whatsapp": "0812-3456-7890",
                "business_category": "makanan_minuman",
                "nib": "1234567890123",
                "kim_id": p.aktif_kim,
            },
            headers=p.owner,
        )
    )
    p.seller_id = seller["id"]
