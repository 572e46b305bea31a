"""Projections are rebuildable (DESIGN §4): replaying ``kim.registry.region.v1`` from the
start into an empty table gives the registry's ``regions`` table, hash for hash.

The topic is shared by every test of the session, so the replay keeps only the records
whose CloudEvents ``id`` is in this test's outbox. The last snapshot per key wins, as
after log compaction.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import asyncpg
import pytest

from kim_devstack.stack import create_database, with_database
from kim_devstack.testing import eventually
from kim_registry.regions.domain import search_key, source_rows
from kim_registry.regions.importer import ImportResult, import_regions, import_rows
from kim_shared.events.envelope import CloudEvent
from kim_shared.events.types.registry import RegionChanged
from kim_shared.kafka import read_topic
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

TOPIC = RegionChanged.topic.name

# The same columns in the same order for both sides; ``row(...)::text`` keeps NULL and ''
# apart, ``COLLATE "C"`` makes the order independent of the database's locale.
TABLE_HASH = """
SELECT count(*) AS n,
       md5(coalesce(string_agg(row(code, parent_code, level, type, name, postal_code, active)::text,
                               E'\\n' ORDER BY code COLLATE "C"), '')) AS hash
FROM regions
"""

PROJECTION = """
CREATE TABLE regions (
    code         text PRIMARY KEY,
    parent_code  text,
    level        smallint NOT NULL,
    type         text NOT NULL,
    name         text NOT NULL,
    postal_code  text,
    active       boolean NOT NULL
)
"""

APPLY = """
INSERT INTO regions (code, parent_code, level, type, name, postal_code, active)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (code) DO UPDATE SET
    parent_code = EXCLUDED.parent_code, level = EXCLUDED.level, type = EXCLUDED.type,
    name = EXCLUDED.name, postal_code = EXCLUDED.postal_code, active = EXCLUDED.active
"""


async def drained(runtime: Runtime) -> None:
    async def nothing_pending() -> bool:
        pending = await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        return bool(pending == 0)

    await eventually(nothing_pending, within=60, what="the relay to publish the outbox")


async def rebuild(runtime: Runtime, server: str) -> tuple[int, str, asyncpg.Record | None]:
    """Replay the topic into an empty table in a new database; its (count, hash, Slahung row)."""
    ours = {r["event_id"] for r in await runtime.pool.fetch("SELECT event_id FROM outbox")}
    latest: dict[str, RegionChanged] = {}
    seen: set[uuid.UUID] = set()
    for record in await read_topic(runtime.settings.kafka_bootstrap_servers, TOPIC):
        envelope = CloudEvent.from_bytes(record.value)
        if envelope.id not in ours:
            continue
        seen.add(envelope.id)
        snapshot = RegionChanged.model_validate(envelope.data)
        assert record.key == snapshot.code.encode() == envelope.subject.encode()
        latest[snapshot.code] = snapshot  # records of one key are in offset order
    assert seen == ours, "every event of this test was published"

    name = f"rebuilt_{uuid.uuid4().hex[:10]}"
    dsn = await create_database(server, name)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(PROJECTION)
        await conn.executemany(
            APPLY,
            [
                (s.code, s.parent_code, s.level, s.type, s.name, s.postal_code, s.active)
                for s in latest.values()
            ],
        )
        row = await conn.fetchrow(TABLE_HASH)
        assert row is not None
        slahung = await conn.fetchrow("SELECT name, active FROM regions WHERE code = '35.02.01'")
        return row["n"], row["hash"], slahung
    finally:
        await conn.close()
        admin = await asyncpg.connect(with_database(server, "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def registry_table(runtime: Runtime) -> tuple[int, str]:
    row = await runtime.pool.fetchrow(TABLE_HASH)
    assert row is not None
    return row["n"], row["hash"]


async def test_replaying_the_topic_rebuilds_the_regions_table(
    runtime: Runtime, ponorogo: ImportResult, pg_server: str
) -> None:
    await drained(runtime)
    n, digest, _ = await rebuild(runtime, pg_server)
    assert (n, digest) == await registry_table(runtime)
    assert n > ponorogo.total  # Ponorogo's 330 rows and Madiun's


async def test_rebuild_still_matches_after_renames_retirements_and_reimports(
    runtime: Runtime, ponorogo: ImportResult, pg_server: str
) -> None:
    # A new Kemendagri release renames kecamatan Slahung and drops one of its desa.
    renamed = "Slahung Baru"
    rows = [
        replace(r, name=renamed, search_name=search_key(renamed)) if r.code == "35.02.01" else r
        for r in source_rows("35.02")
        if r.code != "35.02.01.2022"
    ]
    async with runtime.pool.acquire() as conn, conn.transaction():
        changed = await import_rows(conn, "35.02", rows, runtime.source)
    assert (changed.updated, changed.retired, changed.events) == (1, 1, 2)
    await drained(runtime)
    n, digest, slahung = await rebuild(runtime, pg_server)
    assert (n, digest) == await registry_table(runtime)
    assert slahung is not None
    assert (slahung["name"], slahung["active"]) == ("Slahung Baru", True)

    # An edit that bypasses the outbox makes the hashes differ: the comparison can fail…
    await runtime.pool.execute("UPDATE regions SET name = 'Slahung Lama' WHERE code = '35.02.01'")
    assert (await rebuild(runtime, pg_server))[:2] != await registry_table(runtime)

    # …and a re-import of the official data publishes the corrections: equal again.
    fixed = await import_regions(runtime.pool, "35.02", runtime.source)
    assert (fixed.updated, fixed.events) == (2, 2)  # the name back, the desa active again
    await drained(runtime)
    n, digest, slahung = await rebuild(runtime, pg_server)
    assert (n, digest) == await registry_table(runtime)
    assert slahung is not None
    assert slahung["name"] == "Slahung"
