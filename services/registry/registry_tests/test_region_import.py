"""Region import: official counts, idempotency, updates as events."""

from __future__ import annotations

import pytest

from kim_registry.regions.importer import ImportResult, import_regions
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration


async def outbox_count(runtime: Runtime) -> int:
    n: int = await runtime.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE event_type = 'kim.registry.region.changed.v1'"
    )
    return n


async def test_ponorogo_has_21_kecamatan_281_desa_26_kelurahan(
    runtime: Runtime, ponorogo: ImportResult
) -> None:
    rows = await runtime.pool.fetch(
        "SELECT type, count(*) AS n FROM regions WHERE code LIKE '35.02.%' GROUP BY type"
    )
    counts = {r["type"]: r["n"] for r in rows}
    assert counts == {"kecamatan": 21, "desa": 281, "kelurahan": 26}
    assert ponorogo.total == 1 + 1 + 21 + 307
    # Jawa Timur itself was already there from the Madiun import; Ponorogo's rows are new.
    assert ponorogo.inserted == 1 + 21 + 307
    assert ponorogo.events == ponorogo.inserted


async def test_reimport_changes_and_publishes_nothing(
    runtime: Runtime, ponorogo: ImportResult
) -> None:
    before = await outbox_count(runtime)
    again = await import_regions(runtime.pool, "35.02", runtime.source)
    assert (again.inserted, again.updated, again.retired, again.events) == (0, 0, 0, 0)
    assert again.unchanged == again.total
    assert await outbox_count(runtime) == before


async def test_changed_name_publishes_one_update(runtime: Runtime, ponorogo: ImportResult) -> None:
    await runtime.pool.execute("UPDATE regions SET name = 'Slahung Lama' WHERE code = '35.02.01'")
    before = await outbox_count(runtime)
    again = await import_regions(runtime.pool, "35.02", runtime.source)
    assert (again.inserted, again.updated, again.events) == (0, 1, 1)
    assert await outbox_count(runtime) == before + 1
    row = await runtime.pool.fetchrow("SELECT key, payload FROM outbox ORDER BY id DESC LIMIT 1")
    assert row is not None
    assert row["key"] == "35.02.01"
    assert b'"name":"Slahung"' in row["payload"]
    assert (
        await runtime.pool.fetchval("SELECT name FROM regions WHERE code = '35.02.01'") == "Slahung"
    )
