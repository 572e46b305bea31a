"""Forward-only SQL migrations.

A service's schema is the kit's migrations (outbox, inbox, idempotency keys:
``kim_shared/db/migrations``), then those of the kit pieces it mounts (a projection's
tables: :class:`MigrationSet`, each in its own namespace, so a service that does not
mount a projection never gets its tables), then the service's own
``migrations/NNNN_name.sql``. Each file runs once, in its own transaction,
under an advisory lock so that replicas starting together do not race. A file
already applied whose text changed is an error: write a new migration instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kim_shared.db.pool import Connection

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x4B494D  # "KIM"


class MigrationError(RuntimeError):
    """The database's migration history does not match the files."""


@dataclass(frozen=True)
class Migration:
    name: str  # "<namespace>/<file>", e.g. "kit/0001_outbox.sql"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class MigrationSet:
    """The migrations of one kit piece a service mounts, under their own ``namespace``
    (e.g. ``projection.regions``): recorded as ``<namespace>/<file>``, so they never clash
    with the service's own files of the same number."""

    namespace: str
    directory: Path


def load_migrations(namespace: str, directory: Path) -> list[Migration]:
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    bad = [p.name for p in files if not _NAME.match(p.name)]
    if bad:
        raise MigrationError(f"migration file names must look like 0001_name.sql: {bad}")
    return [Migration(f"{namespace}/{p.name}", p.read_text()) for p in files]


async def apply_migrations(
    conn: Connection,
    service: str,
    service_dir: Path | None,
    *,
    mounted: Sequence[MigrationSet] = (),
) -> list[str]:
    """Apply the pending migrations of the kit, of the ``mounted`` kit pieces and of the
    service (in that order: a service's tables may refer to a projection's); return the
    names applied."""
    migrations = load_migrations("kit", KIT_MIGRATIONS)
    for piece in mounted:
        migrations += load_migrations(piece.namespace, piece.directory)
    if service_dir is not None:
        migrations += load_migrations(service, service_dir)
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name       text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        done = {
            r["name"]: r["checksum"]
            for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")
        }
        for m in migrations:
            if m.name in done:
                if done[m.name] != m.checksum:
                    raise MigrationError(
                        f"{m.name} was changed after it was applied; migrations are "
                        "forward-only, add a new file instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                    m.name,
                    m.checksum,
                )
            applied.append(m.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied


_FINGERPRINT_QUERIES = (
    """
    SELECT format('column %s.%s %s%s%s', c.table_name, c.column_name,
                  c.data_type,
                  CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END,
                  COALESCE(' default ' || c.column_default, ''))
    FROM information_schema.columns c
    WHERE c.table_schema = 'public'
    """,
    """
    SELECT format('constraint %s %s', conrelid::regclass, pg_get_constraintdef(oid))
    FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    """,
    "SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'",
    """
    SELECT format('trigger %s %s', tgrelid::regclass, pg_get_triggerdef(oid))
    FROM pg_trigger WHERE NOT tgisinternal
    """,
    """
    SELECT format('function %s(%s)', p.proname, pg_get_function_arguments(p.oid))
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    """,
)


async def schema_fingerprint(conn: Connection) -> str:
    """A sorted, human-readable description of the public schema, for drift tests."""
    lines: list[str] = []
    for query in _FINGERPRINT_QUERIES:
        lines += [r[0] for r in await conn.fetch(query)]
    return "\n".join(sorted(lines)) + "\n"
