"""``kim regions import`` and the ``make run`` seeder: Indonesian messages, counts, outbox.

The command runs ``asyncio.run`` itself, so the tests call it in a worker thread.
"""

from __future__ import annotations

import argparse
import asyncio
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from kim_devstack.testing import eventually
from kim_registry.regions.cli import MIGRATIONS, SERVICE, register
from kim_registry.seed import seed
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration


def kim(*argv: str) -> int:
    """Parse ``argv`` as the ``kim`` CLI would, with only the regions command registered."""
    parser = argparse.ArgumentParser(prog="kim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


async def count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        n: int = await conn.fetchval(sql)
        return n
    finally:
        await conn.close()


def test_cli_applies_the_services_migrations() -> None:
    from kim_registry.main import SPEC

    assert (MIGRATIONS, SERVICE) == (SPEC.migrations, SPEC.name)


async def test_import_into_an_empty_database_applies_migrations_and_reports(
    fresh_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        kim, "regions", "import", "--scope", "35.02", "--database-url", fresh_db
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Mengimpor wilayah 35.02 (Kabupaten Ponorogo) dari data Kemendagri" in out
    assert "330 wilayah (330 baru, 0 berubah, 0 dinonaktifkan, 0 tetap)" in out
    assert "330 event RegionChanged menunggu di outbox registry" in out
    assert await count(fresh_db, "SELECT count(*) FROM regions") == 330
    assert await count(fresh_db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 330
    assert (
        await count(fresh_db, "SELECT count(*) FROM schema_migrations WHERE name LIKE 'registry/%'")
        >= 3
    )

    code = await asyncio.to_thread(
        kim, "regions", "import", "--scope", "35.02", "--database-url", fresh_db
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "330 wilayah (0 baru, 0 berubah, 0 dinonaktifkan, 330 tetap)" in out
    assert "Tidak ada perubahan: data sudah sesuai, tidak ada event baru." in out
    assert await count(fresh_db, "SELECT count(*) FROM outbox") == 330


async def test_running_registry_relay_publishes_what_the_cli_staged(
    runtime: Runtime, fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The registry service (``runtime``) runs on ``fresh_db``; the CLI finds it by environment.
    monkeypatch.setenv("KIM_REGISTRY_DATABASE_URL", fresh_db)
    assert await asyncio.to_thread(kim, "regions", "import", "--scope", "35.02.01") == 0
    assert await runtime.pool.fetchval("SELECT count(*) FROM regions") == 25

    async def all_sent() -> bool:
        pending = await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        return bool(pending == 0)

    await eventually(all_sent, what="the registry's relay to publish the CLI's events")
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 25


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("99", "Cakupan '99' tidak dikenal. Gunakan 'all' (seluruh Indonesia) atau kode"),
        ("Ponorogo", "Cakupan 'Ponorogo' tidak dikenal."),
        ("35.02.01.2001", "adalah kode desa/kelurahan; impor kecamatannya saja: --scope 35.02.01"),
    ],
)
async def test_unknown_scope_is_refused_in_indonesian(
    fresh_db: str, capsys: pytest.CaptureFixture[str], scope: str, message: str
) -> None:
    code = await asyncio.to_thread(
        kim, "regions", "import", "--scope", scope, "--database-url", fresh_db
    )
    assert code == 2
    assert message in capsys.readouterr().out
    tables = await count(fresh_db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    assert tables == 0, "nothing was touched"


async def test_unreachable_database_is_reported_without_password(
    pg_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server = urlsplit(pg_server)
    netloc = f"{server.username}:rahasia@{server.hostname}:{server.port}"
    dsn = urlunsplit(server._replace(netloc=netloc, path="/no_such_db_kim"))
    code = await asyncio.to_thread(
        kim, "regions", "import", "--scope", "35.02", "--database-url", dsn
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "Gagal: basis data registry tidak dapat dipakai" in out
    assert "Tidak ada yang diubah." in out
    assert "rahasia" not in out


async def test_seeder_imports_jawa_timur_by_default_and_prints_one_line(
    fresh_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"KIM_REGISTRY_DATABASE_URL": fresh_db}
    await asyncio.to_thread(seed, argparse.Namespace(), env)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "[kim] Wilayah 35 (Jawa Timur): 9.199 wilayah (9.199 baru, 0 berubah"
    )
    villages = await count(fresh_db, "SELECT count(*) FROM regions WHERE level = 4")
    assert villages == 8494

    await asyncio.to_thread(seed, argparse.Namespace(scope="35.02"), env)
    again = capsys.readouterr().out.strip().splitlines()
    assert len(again) == 1
    assert "330 wilayah (0 baru, 0 berubah, 0 dinonaktifkan, 330 tetap)" in again[0]
    assert "0 event" in again[0]


async def test_seeder_reports_a_bad_scope_and_goes_on(
    fresh_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"KIM_REGISTRY_DATABASE_URL": fresh_db}
    await asyncio.to_thread(seed, argparse.Namespace(scope="77"), env)
    out = capsys.readouterr().out
    assert out.startswith("[kim] wilayah tidak diimpor: Cakupan '77' tidak dikenal.")
