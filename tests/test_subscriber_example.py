"""The example subscriber (``examples/subscriber``: plain aiokafka and SQLite, no platform
code) builds its table of KIM per village from KIM states on the real broker, and a restart
or a replay from the first record leaves the table exactly as it was.

The first test publishes what the registry would (the stand-in's ``KimOnTopic``) on a topic
of its own, with what a subscriber must survive: a record delivered twice, an older
revision arriving late with a new id, a tombstone. The second runs the real registry and
reads the real ``kim.registry.kim_state.v1``.
"""

from __future__ import annotations

import ast
import asyncio
import json
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from kim_devstack.standins import (
    BABADAN_DESA,
    GOMBANG,
    MADIUN_DESA,
    TUGUREJO,
    KimOnTopic,
    member,
)
from kim_devstack.testing import NewTopic, Running, eventually, running_services
from kim_devstack.tokens import bearer
from kim_registry.regions.importer import import_regions
from kim_shared.events.envelope import CONTENT_TYPE, CloudEvent
from kim_shared.events.topics import REGISTRY_KIM_STATE
from kim_shared.outbox.store import EventSource, envelope
from tests.python_source import parse

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "subscriber" / "kim_villages.py"
Row = tuple[str, int, str, str, int]  # kim_id, revision, status, village, members


async def run_example(bootstrap: str, db: Path, *args: str) -> dict[str, Any]:
    """Run the example until it has caught up; its summary line (JSON)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        "--bootstrap",
        bootstrap,
        "--db",
        str(db),
        "--until-caught-up",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    summary: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return summary


def table(db: Path) -> list[Row]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kim_id, revision, status, village_code, members FROM kim ORDER BY kim_id"
        ).fetchall()
    return [(str(k), int(r), str(s), str(v), int(m)) for k, r, s, v, m in rows]


def per_village(db: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT village_code, count(*), sum(status = 'aktif') FROM kim "
            "GROUP BY village_code ORDER BY village_code"
        ).fetchall()
    return [(str(v), int(n), int(a)) for v, n, a in rows]


class Publisher:
    """Publishes KIM states to one topic as the registry does (CloudEvents, key = KIM id)."""

    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    async def send(self, kim: KimOnTopic) -> CloudEvent:
        ce = envelope(kim.event(), EventSource("registry", "35.02"))
        await self.raw(ce.subject, ce.to_bytes())
        return ce

    async def raw(self, key: str, value: bytes | None) -> None:
        await self.producer.send_and_wait(
            self.topic, value, key=key.encode(), headers=[("content-type", CONTENT_TYPE.encode())]
        )


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await p.start()
    yield p
    await p.stop()


async def test_the_example_builds_the_table_and_a_restart_or_replay_changes_nothing(
    kafka_bootstrap: str, new_topic: NewTopic, producer: AIOKafkaProducer, tmp_path: Path
) -> None:
    topic = await new_topic(3, prefix="kim.test.kim_state")
    pub = Publisher(producer, topic.name)
    tugu = KimOnTopic(uuid.uuid4(), "KIM Tugu Media", TUGUREJO, "calon")
    gombang = KimOnTopic(uuid.uuid4(), "KIM Gombang", GOMBANG)
    babadan = KimOnTopic(uuid.uuid4(), "KIM Babadan", BABADAN_DESA)
    madiun = KimOnTopic(uuid.uuid4(), "KIM Mejayan", MADIUN_DESA)
    first_of_tugu = await pub.send(tugu)  # revision 1, calon, no members
    for subject, position in (("u-ketua", "ketua"), ("u-sekretaris", "sekretaris")):
        tugu.roster[subject] = member(subject, position)
    tugu.status = "aktif"
    second_of_tugu = await pub.send(tugu)  # revision 2, aktif, 2 members
    gombang.roster["u-g"] = member("u-g", "ketua")
    await pub.send(gombang)
    await pub.send(babadan)
    await pub.send(madiun)
    madiun.status = "dibubarkan"
    await pub.send(madiun)
    # a record delivered twice (same CloudEvents id) and an old state arriving late (new id)
    await pub.raw(second_of_tugu.subject, second_of_tugu.to_bytes())
    late = first_of_tugu.model_copy(update={"id": uuid.uuid4()})
    await pub.raw(late.subject, late.to_bytes())
    await pub.raw(str(babadan.kim_id), None)  # tombstone: Babadan's KIM is gone
    # a record not for this table, and one that is not JSON: skipped, not fatal
    await pub.raw(str(uuid.uuid4()), b'{"specversion": "1.0", "type": "kim.other.v1"}')
    await pub.raw(str(uuid.uuid4()), b"\xff not json")

    db = tmp_path / "kim.sqlite"
    group = f"agency-test.{uuid.uuid4().hex[:8]}"
    summary = await run_example(kafka_bootstrap, db, "--topic", topic.name, "--group", group)
    assert summary["records"] == {
        "applied": 6,
        "duplicate": 1,
        "stale": 1,
        "removed": 1,
        "other type": 1,
        "invalid": 1,
    }
    expected = sorted(
        [
            (str(tugu.kim_id), 2, "aktif", TUGUREJO, 2),
            (str(gombang.kim_id), 1, "aktif", GOMBANG, 1),
            (str(madiun.kim_id), 2, "dibubarkan", MADIUN_DESA, 0),
        ]
    )
    assert table(db) == expected
    assert per_village(db) == [(TUGUREJO, 1, 1), (GOMBANG, 1, 1), (MADIUN_DESA, 1, 0)]

    # restarted: the group's committed offsets say everything was applied
    again = await run_example(kafka_bootstrap, db, "--topic", topic.name, "--group", group)
    assert again["records"] == {}
    assert table(db) == expected

    # a new state while it was away: only that one is read
    gombang.status = "tidak_aktif"
    await pub.send(gombang)
    resumed = await run_example(kafka_bootstrap, db, "--topic", topic.name, "--group", group)
    assert resumed["records"] == {"applied": 1}
    expected = sorted(
        (kim, 2, "tidak_aktif", GOMBANG, 1) if kim == str(gombang.kim_id) else row
        for row in expected
        for kim in [row[0]]
    )
    assert table(db) == expected

    # replayed from the first record into the same table: every event is a duplicate
    replayed = await run_example(
        kafka_bootstrap, db, "--topic", topic.name, "--group", group, "--replay"
    )
    assert replayed["records"] == {"duplicate": 9, "removed": 1, "other type": 1, "invalid": 1}
    assert table(db) == expected

    # and into an empty table by another group: the same table (the topic rebuilds it)
    rebuilt = tmp_path / "rebuilt.sqlite"
    await run_example(kafka_bootstrap, rebuilt, "--topic", topic.name, "--group", group + "-2")
    assert table(rebuilt) == expected


@pytest.fixture
async def registry_service(
    pg_server: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[Running]:
    async with running_services(pg_server, kafka_bootstrap, tmp_path / "keys", "registry") as out:
        yield out["registry"]


async def test_the_example_reads_what_the_real_registry_publishes(
    registry_service: Running, kafka_bootstrap: str, tmp_path: Path
) -> None:
    http, registry = registry_service
    await import_regions(registry.pool, "35.02.01", registry.source)
    op = bearer(registry.settings, "operator_kabupaten", region="35.02", sub="op-ponorogo")

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await http.post(path, json=body, headers=op)
        assert r.status_code in (200, 201), r.text
        got: dict[str, Any] = r.json()
        return got

    aktif = await post("/kim", {"name": "KIM Tugu Media", "village_code": TUGUREJO})
    for position, name, nik in (
        ("ketua", "Sutrisno Wibowo", "3502011201850001"),
        ("sekretaris", "Dewi Anggraini", "3502015203900002"),
        ("bendahara", "Rahayu Lestari", "3502016501880003"),
    ):
        await post(
            f"/kim/{aktif['id']}/members",
            {"full_name": name, "nik": nik, "position": position, "term_start": "2024-01-01"},
        )
    await post(f"/kim/{aktif['id']}/status", {"to": "aktif"})
    dissolved = await post("/kim", {"name": "KIM Gombang Sejahtera", "village_code": GOMBANG})
    await post(f"/kim/{dissolved['id']}/status", {"to": "dibubarkan", "reason_code": "digabung"})

    async def sent() -> bool:
        async with registry.pool.acquire() as conn:
            return not await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")

    await eventually(sent, what="the registry's outbox drained")
    async with registry.pool.acquire() as conn:
        revisions = {
            str(r["id"]): int(r["state_revision"])
            for r in await conn.fetch("SELECT id, state_revision FROM kim")
        }

    db = tmp_path / "kim.sqlite"
    group = f"agency-test.{uuid.uuid4().hex[:8]}"
    summary = await run_example(kafka_bootstrap, db, "--group", group)  # the real topic
    assert summary["records"].get("invalid", 0) == 0
    rows = {row[0]: row for row in table(db)}
    assert rows[aktif["id"]] == (aktif["id"], revisions[aktif["id"]], "aktif", TUGUREJO, 3)
    assert rows[dissolved["id"]] == (
        dissolved["id"],
        revisions[dissolved["id"]],
        "dibubarkan",
        GOMBANG,
        0,
    )
    # the whole topic, replayed into the same table: nothing changes, nothing doubles
    before = table(db)
    replayed = await run_example(kafka_bootstrap, db, "--group", group, "--replay")
    assert replayed["records"].get("applied", 0) == 0
    assert table(db) == before
    assert len(before) == len({row[0] for row in before})
    assert REGISTRY_KIM_STATE.name == "kim.registry.kim_state.v1"  # the example's default


def test_the_example_needs_nothing_but_aiokafka_and_the_standard_library() -> None:
    """An agency copies the folder: no platform package may sneak in."""
    folder = EXAMPLE.parent
    own = {p.stem for p in folder.glob("*.py")}
    imported: set[str] = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    outside = imported - own - set(sys.stdlib_module_names)
    assert outside == {"aiokafka"}
