"""Database helpers: asyncpg pool, the forward-only migration runner and typed rows."""

from kim_shared.db.migrations import MigrationSet, apply_migrations, schema_fingerprint
from kim_shared.db.pool import Connection, create_pool
from kim_shared.db.rows import from_record

__all__ = [
    "Connection",
    "MigrationSet",
    "apply_migrations",
    "create_pool",
    "from_record",
    "schema_fingerprint",
]
