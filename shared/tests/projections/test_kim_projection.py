"""The KIM projection's batch handler and lookups, in a rolled-back transaction.

Set-based (one statement per batch) and monotonic by revision: a KIM's row and roster
are replaced only by a higher revision; a stale or repeated snapshot changes nothing; a
dissolved KIM keeps its last state.
"""

from __future__ import annotations

import random
from datetime import date
from uuid import UUID, uuid4

import asyncpg
import pytest

from kim_shared.inbox import Delivered
from kim_shared.projections.kim import (
    ALL_STATUSES,
    Kim,
    KimState,
    Membership,
    get_kim,
    kim_in_region,
    kim_of_member,
    membership,
    memberships_of,
    role_in_active_kim,
)
from kim_shared.projections.kim.apply import apply_kim
from kim_shared.projections.kim.rows import all_kim

from .conftest import Counting
from .support import delivered, kim_state, member

pytestmark = pytest.mark.integration

TODAY = date(2026, 6, 1)
OFFICERS = (member(1, "ketua"), member(2, "sekretaris"), member(3, "bendahara"))


async def test_a_batch_is_one_statement_and_every_kim_is_projected(
    conn: asyncpg.Connection,
) -> None:
    events = [
        kim_state(uuid4(), 3, roster=(*OFFICERS, member(4))),
        kim_state(uuid4(), 1, status="calon"),
        kim_state(uuid4(), 7, roster=(member(5, "ketua"),), village="35.02.10.1017"),
    ]
    counting = Counting(conn)
    await apply_kim(counting, [delivered(e, offset=i) for i, e in enumerate(events)])  # type: ignore[arg-type]
    assert len(counting.statements) == 1, "one statement per batch, not one per event"
    assert await all_kim(conn) == {str(e.kim_id): Kim.of(e) for e in events}
    (first,) = [k for k in (await all_kim(conn)).values() if k.state.revision == 3]
    assert [m.position for m in first.roster] == ["ketua", "sekretaris", "bendahara", "anggota"]


async def test_a_stale_revision_is_ignored(conn: asyncpg.Connection) -> None:
    kim_id = uuid4()
    current = kim_state(kim_id, 3, roster=OFFICERS)
    await apply_kim(conn, [delivered(current, offset=5)])
    # An older snapshot (a replayed dead letter, a rebuild beside the live consumer), even
    # at a higher offset, changes neither the row nor the roster …
    stale = kim_state(kim_id, 2, status="calon", roster=(member(9, "ketua"),), name="Lama")
    await apply_kim(conn, [delivered(stale, offset=9)])
    assert await get_kim(conn, kim_id) == Kim.of(current)
    # … nor does the same revision again.
    await apply_kim(conn, [delivered(kim_state(kim_id, 3, status="tidak_aktif"), offset=10)])
    assert await get_kim(conn, kim_id) == Kim.of(current)


async def test_the_roster_is_replaced_by_a_newer_revision(conn: asyncpg.Connection) -> None:
    kim_id = uuid4()
    await apply_kim(conn, [delivered(kim_state(kim_id, 1, roster=(*OFFICERS, member(4))))])
    newer = kim_state(
        kim_id,
        2,
        roster=(
            member(1, "ketua", subject="ketua-baru"),  # login subject changed
            member(3, "sekretaris"),  # bendahara became sekretaris
            member(6, "bendahara"),  # joined; 2 (sekretaris) and 4 (anggota) left
        ),
    )
    await apply_kim(conn, [delivered(newer, offset=1)])
    assert await get_kim(conn, kim_id) == Kim.of(newer)
    rows = await conn.fetch(
        "SELECT member_id, position, user_subject FROM kim_member_projection WHERE kim_id = $1"
        " ORDER BY member_id",
        kim_id,
    )
    assert [(r["member_id"].int, r["position"], r["user_subject"]) for r in rows] == [
        (1, "ketua", "ketua-baru"),
        (3, "sekretaris", "user-3"),
        (6, "bendahara", "user-6"),
    ]
    assert await kim_of_member(conn, UUID(int=2)) is None, "an ended membership is gone"


async def test_a_dissolved_kim_keeps_its_last_state(conn: asyncpg.Connection) -> None:
    kim_id = uuid4()
    await apply_kim(conn, [delivered(kim_state(kim_id, 4, roster=OFFICERS))])
    assert await role_in_active_kim(conn, kim_id, "user-1", on=TODAY) == "ketua"
    dissolved = kim_state(kim_id, 5, status="dibubarkan", roster=())
    await apply_kim(conn, [delivered(dissolved, offset=1)])
    kept = await get_kim(conn, kim_id)
    assert kept == Kim.of(dissolved)
    assert kept is not None
    assert (kept.state.status, kept.roster) == ("dibubarkan", ())
    assert await role_in_active_kim(conn, kim_id, "user-1", on=TODAY) is None
    assert await memberships_of(conn, "user-1", on=TODAY) == []
    assert await kim_in_region(conn, "35.02.01") == [], "not aktif"
    assert await kim_in_region(conn, "35.02.01", statuses=ALL_STATUSES) == [kept.state]


async def test_the_highest_revision_in_one_batch_wins(conn: asyncpg.Connection) -> None:
    kim_id = uuid4()
    revisions = [
        kim_state(kim_id, 2, status="calon", roster=OFFICERS[:1]),
        kim_state(kim_id, 4, roster=(*OFFICERS, member(4))),
        kim_state(kim_id, 3, status="calon", roster=(member(9, "ketua"), OFFICERS[1])),
    ]
    batch = [delivered(e, offset=i) for i, e in enumerate(revisions)]
    batch.append(delivered(revisions[1], offset=3))  # the same snapshot published twice
    await apply_kim(conn, batch)
    assert await get_kim(conn, kim_id) == Kim.of(revisions[1])


async def test_any_interleaving_of_replays_gives_the_highest_revisions(
    conn: asyncpg.Connection,
) -> None:
    rng = random.Random(11)
    kims = [uuid4() for _ in range(8)]
    log: list[Delivered] = []
    for i in range(120):
        kim_id = kims[i % len(kims)]
        size = rng.randrange(0, 6)
        roster = tuple(
            member(100 * (i % len(kims)) + n, "ketua" if n == 0 else "anggota")
            for n in rng.sample(range(10), size)
        )
        status = rng.choice(ALL_STATUSES)
        log.append(delivered(kim_state(kim_id, i // len(kims) + 1, status=status, roster=roster)))
    last = {str(d.event.kim_id): Kim.of(d.event) for d in log}
    shuffled = log + rng.sample(log, 40)
    rng.shuffle(shuffled)
    for start in range(0, len(shuffled), 17):
        await apply_kim(conn, shuffled[start : start + 17])
    assert await all_kim(conn) == last


async def test_lookups_answer_who_may_act_for_which_kim(conn: asyncpg.Connection) -> None:
    aktif, calon, other_kecamatan = uuid4(), uuid4(), uuid4()
    ended = member(7, "anggota", subject="mantan", start=date(2020, 1, 1), end=date(2025, 12, 31))
    future = member(8, "anggota", subject="nanti", start=date(2027, 1, 1))
    await apply_kim(
        conn,
        [
            delivered(kim_state(aktif, 6, roster=(*OFFICERS, member(4), ended, future))),
            delivered(kim_state(calon, 1, status="calon", roster=(member(5, "ketua"),))),
            delivered(kim_state(other_kecamatan, 2, village="35.02.10.1017")),
        ],
    )
    assert await role_in_active_kim(conn, aktif, "user-1", on=TODAY) == "ketua"
    assert await role_in_active_kim(conn, aktif, "user-4", on=TODAY) == "anggota"
    assert await role_in_active_kim(conn, aktif, "mantan", on=TODAY) is None, "term over"
    assert await role_in_active_kim(conn, aktif, "nanti", on=TODAY) is None, "not yet"
    assert await role_in_active_kim(conn, aktif, "user-5", on=TODAY) is None, "another KIM"
    assert await role_in_active_kim(conn, calon, "user-5", on=TODAY) is None, "not aktif"
    found = await membership(conn, calon, "user-5", on=TODAY)
    assert found == Membership(calon, "calon", UUID(int=5), "ketua", date(2024, 1, 1), None)
    assert found.officer
    assert [m.kim_id for m in await memberships_of(conn, "user-4", on=TODAY)] == [aktif]

    owner = await kim_of_member(conn, UUID(int=4))
    assert owner is not None
    assert owner.state.kim_id == aktif

    def ids(states: list[KimState]) -> set[UUID]:
        return {s.kim_id for s in states}

    assert ids(await kim_in_region(conn, "35.02.01")) == {aktif}
    assert ids(await kim_in_region(conn, "35.02")) == {aktif, other_kecamatan}
    assert ids(await kim_in_region(conn, "35")) == {aktif, other_kecamatan}
    assert ids(await kim_in_region(conn, "35.02.10.1017")) == {other_kecamatan}
    assert ids(await kim_in_region(conn, "35.02", statuses=("calon",))) == {calon}
    assert await kim_in_region(conn, "35.03") == []
    with pytest.raises(ValueError, match="not a region code"):
        await kim_in_region(conn, "35.02.01.2001.9")
