"""Schema snapshots: ``migrations/schema.txt`` beside each set of migrations.

A snapshot is :func:`~kim_shared.db.migrations.schema_fingerprint` of an empty
database after every migration of a target (the kit's alone, or the kit's and
one service's). The drift test only compares; ``kim schema write`` is the one
way to update a snapshot, a separate step whose diff is reviewed and committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import asyncpg

from kim_devstack.stack import create_database, with_database
from kim_shared.db.migrations import (
    KIT_MIGRATIONS,
    MigrationSet,
    apply_migrations,
    schema_fingerprint,
)
from kim_shared.db.pool import Connection

SNAPSHOT = "schema.txt"


@dataclass(frozen=True)
class Target:
    """A database schema: the kit's migrations, those of the kit pieces a service mounts
    (its projections), then ``migrations`` (None: the kit alone)."""

    name: str
    migrations: Path | None
    mounted: tuple[MigrationSet, ...] = ()

    @property
    def snapshot(self) -> Path:
        return (self.migrations or KIT_MIGRATIONS) / SNAPSHOT

    async def apply(self, conn: Connection) -> list[str]:
        """Apply the target's migrations as the service's start-up does."""
        return await apply_migrations(conn, self.name, self.migrations, mounted=self.mounted)


def targets() -> list[Target]:
    """The kit and every installed service (entry-point group ``kim.services``), by name."""
    services = sorted(entry_points(group="kim.services"), key=lambda e: e.name)
    specs = [(ep.name, ep.load()) for ep in services]
    return [
        Target("kit", None),
        *(Target(name, spec.migrations, spec.mounted_migrations) for name, spec in specs),
    ]


async def migrated_schema(server_url: str, target: Target) -> str:
    """The fingerprint of a new database on ``server_url`` after ``target``'s migrations."""
    name = f"schema_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(await create_database(server_url, name))
    try:
        await target.apply(conn)
        return await schema_fingerprint(conn)
    finally:
        await conn.close()
        admin = await asyncpg.connect(with_database(server_url, "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def stale_snapshots(server_url: str, of: list[Target]) -> dict[Target, str]:
    """Targets whose committed snapshot is missing or differs, with the schema they give."""
    stale: dict[Target, str] = {}
    for target in of:
        actual = await migrated_schema(server_url, target)
        path = target.snapshot
        if not path.exists() or path.read_text() != actual:
            stale[target] = actual
    return stale


async def write_snapshots(server_url: str, of: list[Target]) -> list[Path]:
    """Rewrite the snapshots that differ; return their paths."""
    stale = await stale_snapshots(server_url, of)
    for target, actual in stale.items():
        target.snapshot.write_text(actual)
    return [t.snapshot for t in stale]
