"""Forward-only migrations: applying every migration of a service to an empty database
gives exactly the committed schema (``migrations/schema.txt``).

The test only compares. After adding a migration, regenerate the snapshots with
``uv run kim schema write`` (a separate command) and review the diff.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from kim_devstack.schema_snapshots import Target, stale_snapshots, targets, write_snapshots
from kim_shared.cli import main
from kim_shared.db.migrations import (
    KIT_MIGRATIONS,
    MigrationError,
    MigrationSet,
    apply_migrations,
    schema_fingerprint,
)

pytestmark = pytest.mark.integration

TARGETS = {t.name: t for t in targets()}


@pytest.mark.parametrize("name", sorted(TARGETS))
async def test_migrations_give_the_committed_schema(name: str, fresh_db: str) -> None:
    target = TARGETS[name]
    conn = await asyncpg.connect(fresh_db)
    try:
        applied = await target.apply(conn)
        assert applied, "an empty database gets every migration"
        assert await target.apply(conn) == [], "no-op"
        actual = await schema_fingerprint(conn)
    finally:
        await conn.close()
    path = target.snapshot
    assert path.exists(), f"missing {path}: run `uv run kim schema write`"
    assert actual == path.read_text(), f"schema drift against {path}: `uv run kim schema write`"


async def test_schema_write_is_the_only_way_a_snapshot_changes(
    pg_server: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int);")
    target = Target("svc", tmp_path)
    stale = await stale_snapshots(pg_server, [target])
    assert list(stale) == [target]
    assert "column things.id integer" in stale[target]
    assert not target.snapshot.exists(), "checking writes nothing"
    assert await write_snapshots(pg_server, [target]) == [target.snapshot]
    assert "column things.id integer" in target.snapshot.read_text()
    assert await stale_snapshots(pg_server, [target]) == {}
    (tmp_path / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN note text;")
    (drift,) = (await stale_snapshots(pg_server, [target])).values()
    assert "column things.note text" in drift
    assert "things.note" not in target.snapshot.read_text()


async def test_kim_schema_check_passes_on_the_committed_snapshots(
    pg_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIM_POSTGRES_URL", pg_server)
    assert await asyncio.to_thread(main, ["schema", "check"]) == 0
    assert "sesuai" in capsys.readouterr().out


async def test_an_applied_migration_must_not_change(fresh_db: str, tmp_path: Path) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int);")
    conn = await asyncpg.connect(fresh_db)
    try:
        kit = [f"kit/{p.name}" for p in sorted(KIT_MIGRATIONS.glob("*.sql"))]
        assert await apply_migrations(conn, "svc", tmp_path) == [*kit, "svc/0001_things.sql"]
        (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id bigint);")
        with pytest.raises(MigrationError, match="forward-only"):
            await apply_migrations(conn, "svc", tmp_path)
    finally:
        await conn.close()


async def test_mounted_pieces_migrate_in_their_namespace_before_the_service(
    fresh_db: str, tmp_path: Path
) -> None:
    """A projection's tables come after the kit's and before the service's (which may refer
    to them), recorded under the projection's own namespace."""
    piece, service = tmp_path / "piece", tmp_path / "service"
    piece.mkdir()
    service.mkdir()
    (piece / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (service / "0001_things.sql").write_text(
        "CREATE TABLE notes (thing int REFERENCES things (id));"
    )
    mounted = (MigrationSet("projection.things", piece),)
    conn = await asyncpg.connect(fresh_db)
    try:
        applied = await apply_migrations(conn, "svc", service, mounted=mounted)
        assert applied[-2:] == ["projection.things/0001_things.sql", "svc/0001_things.sql"]
        assert all(name.startswith("kit/") for name in applied[:-2])
        assert await apply_migrations(conn, "svc", service, mounted=mounted) == []
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
