"""The region projection's batch handler and lookups, in a rolled-back transaction.

The handler is set-based (one statement per batch) and monotonic by source offset: an
older record of a region never overwrites a newer one, the same record twice changes
nothing, so a replay from offset 0 and the live consumer may interleave freely.
"""

from __future__ import annotations

import random

import asyncpg
import pytest

from kim_shared.inbox import Delivered
from kim_shared.projections.regions import Region, Village, active_village, region, village
from kim_shared.projections.regions.apply import apply_regions
from kim_shared.projections.regions.rows import all_regions

from .conftest import Counting
from .support import KABUPATEN, KECAMATAN, delivered
from .support import region as snapshot

pytestmark = pytest.mark.integration

VILLAGES = [f"{KECAMATAN}.{2001 + i}" for i in range(200)]


async def test_a_batch_is_one_statement_and_every_region_is_projected(
    conn: asyncpg.Connection,
) -> None:
    events = [snapshot("35"), snapshot(KABUPATEN), snapshot(KECAMATAN)]
    events += [snapshot(code) for code in VILLAGES]
    counting = Counting(conn)
    await apply_regions(counting, [delivered(e, offset=i) for i, e in enumerate(events)])  # type: ignore[arg-type]
    assert len(counting.statements) == 1, "one statement per batch, not one per event"
    assert await all_regions(conn) == {e.code: Region.of(e) for e in events}


async def test_an_older_record_of_a_region_never_overwrites_a_newer_one(
    conn: asyncpg.Connection,
) -> None:
    code = VILLAGES[0]
    await apply_regions(conn, [delivered(snapshot(code, name="Tugurejo Baru"), offset=10)])
    # An older record (a replay from offset 0, a lagging consumer) changes nothing …
    await apply_regions(conn, [delivered(snapshot(code, name="Tugurejo Lama"), offset=4)])
    assert (await region(conn, code)) == Region.of(snapshot(code, name="Tugurejo Baru"))
    # … nor does the same record again, with other content even (the offset decides).
    await apply_regions(conn, [delivered(snapshot(code, name="Sama"), offset=10)])
    assert (found := await region(conn, code)) is not None
    assert found.name == "Tugurejo Baru"
    # Within one batch the newest record of a code wins, whatever order they come in.
    await apply_regions(
        conn,
        [
            delivered(snapshot(code, name="Tugurejo 13"), offset=13),
            delivered(snapshot(code, name="Tugurejo 12"), offset=12),
        ],
    )
    assert (found := await region(conn, code)) is not None
    assert found.name == "Tugurejo 13"
    offset = await conn.fetchval(
        "SELECT source_offset FROM region_projection WHERE code = $1", code
    )
    assert offset == 13


async def test_any_interleaving_of_replays_gives_the_state_of_the_last_records(
    conn: asyncpg.Connection,
) -> None:
    """What a rebuild beside the live consumer does: the same records, in batches split and
    ordered differently, some twice. The result is the last record of every code."""
    rng = random.Random(7)
    codes = VILLAGES[:20]
    log: list[Delivered] = []
    for offset in range(300):  # one partition's log: 300 snapshots of 20 villages
        code = rng.choice(codes)
        log.append(
            delivered(snapshot(code, name=f"v{offset}", active=rng.random() > 0.2), offset=offset)
        )
    last = {d.event.code: Region.of(d.event) for d in log}

    shuffled = log + rng.sample(log, 100)  # a replay and the live consumer: records twice
    rng.shuffle(shuffled)
    for start in range(0, len(shuffled), 37):
        await apply_regions(conn, shuffled[start : start + 37])
    assert await all_regions(conn) == last


async def test_a_retired_village_stays_projected_as_inactive(conn: asyncpg.Connection) -> None:
    code = VILLAGES[1]
    await apply_regions(conn, [delivered(snapshot(code), offset=1)])
    assert (await active_village(conn, code)) is not None
    await apply_regions(conn, [delivered(snapshot(code, active=False), offset=2)])
    assert (await active_village(conn, code)) is None, "a retired village is refused"
    retired = await village(conn, code)
    assert retired is not None
    assert not retired.active
    assert (await region(conn, code)) == Region.of(snapshot(code, active=False))


async def test_a_village_knows_its_kecamatan_and_kabupaten(conn: asyncpg.Connection) -> None:
    code = VILLAGES[2]
    await apply_regions(conn, [delivered(snapshot(code, name="Tugurejo"), offset=1, partition=3)])
    # The kecamatan's and kabupaten's records (other partitions) have not arrived yet.
    early = await village(conn, code)
    assert early is not None
    assert (early.kecamatan_code, early.kecamatan_name) == (KECAMATAN, None)
    assert (early.kabupaten_code, early.kabupaten_name) == (KABUPATEN, None)

    await apply_regions(
        conn,
        [
            delivered(snapshot(KECAMATAN, name="Slahung"), offset=1, partition=1),
            delivered(snapshot(KABUPATEN, name="Kabupaten Ponorogo"), offset=1, partition=2),
        ],
    )
    assert await active_village(conn, code) == Village(
        code=code,
        name="Tugurejo",
        type="desa",
        active=True,
        postal_code="63482",
        kecamatan_code=KECAMATAN,
        kecamatan_name="Slahung",
        kabupaten_code=KABUPATEN,
        kabupaten_name="Kabupaten Ponorogo",
    )
    assert await village(conn, KECAMATAN) is None, "a kecamatan is not a village"
    assert await village(conn, "35.02.01.9999") is None, "unknown"
    assert await region(conn, KECAMATAN) == Region.of(snapshot(KECAMATAN, name="Slahung"))
