"""Database helpers: asyncpg pool and the forward-only migration runner."""

from kim_shared.db.migrations import apply_migrations, schema_fingerprint
from kim_shared.db.pool import Connection, create_pool

__all__ = ["Connection", "apply_migrations", "create_pool", "schema_fingerprint"]
