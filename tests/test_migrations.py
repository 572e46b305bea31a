"""Forward-only migrations: applying every migration of a service to an empty database
gives exactly the committed schema (``migrations/schema.txt``).

After adding a migration, regenerate the snapshot with
``KIM_UPDATE_SCHEMA_SNAPSHOTS=1 uv run pytest tests/test_migrations.py`` and review the diff.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import asyncpg
import pytest

from kim_shared.db.migrations import (
    KIT_MIGRATIONS,
    MigrationError,
    apply_migrations,
    schema_fingerprint,
)

pytestmark = pytest.mark.integration

SPECS = {ep.name: ep.load() for ep in entry_points(group="kim.services")}
TARGETS: dict[str, Path | None] = {"kit": None, **{n: s.migrations for n, s in SPECS.items()}}


def snapshot_path(target: str) -> Path:
    directory = TARGETS[target] or KIT_MIGRATIONS
    return directory / "schema.txt"


@pytest.mark.parametrize("target", sorted(TARGETS))
async def test_migrations_give_the_committed_schema(target: str, fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        applied = await apply_migrations(conn, target, TARGETS[target])
        assert applied, "an empty database gets every migration"
        assert await apply_migrations(conn, target, TARGETS[target]) == [], "second run: no-op"
        actual = await schema_fingerprint(conn)
    finally:
        await conn.close()
    path = snapshot_path(target)
    if os.environ.get("KIM_UPDATE_SCHEMA_SNAPSHOTS") == "1":
        path.write_text(actual)
    assert path.exists(), f"missing {path}: run with KIM_UPDATE_SCHEMA_SNAPSHOTS=1"
    assert actual == path.read_text(), f"schema drift against {path}"


async def test_an_applied_migration_must_not_change(fresh_db: str, tmp_path: Path) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int);")
    conn = await asyncpg.connect(fresh_db)
    try:
        assert await apply_migrations(conn, "svc", tmp_path) == [
            "kit/0001_outbox.sql",
            "kit/0002_inbox.sql",
            "kit/0003_idempotency.sql",
            "kit/0004_outbox_parking_and_purge.sql",
            "svc/0001_things.sql",
        ]
        (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id bigint);")
        with pytest.raises(MigrationError, match="forward-only"):
            await apply_migrations(conn, "svc", tmp_path)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(fresh_db: str, tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT 1/0;")
    conn = await asyncpg.connect(fresh_db)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await apply_migrations(conn, "svc", tmp_path)
        names = await conn.fetch("SELECT name FROM schema_migrations ORDER BY name")
        assert [r["name"] for r in names][-1] == "svc/0001_ok.sql"
        assert await conn.fetchval("SELECT to_regclass('half')") is None
    finally:
        await conn.close()


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    from kim_shared.db.migrations import load_migrations

    (tmp_path / "add_things.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"0001_name\.sql"):
        load_migrations("svc", tmp_path)
