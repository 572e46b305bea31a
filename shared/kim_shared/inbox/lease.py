"""One pooled connection for a partition's share of a batch.

Giving a connection back to an asyncpg pool resets it (``RESET ALL``, ``UNLISTEN *``, …: a
round trip). A per-event transaction is three or four round trips (``BEGIN``, the inbox row,
the handler's statements, ``COMMIT``), so acquiring and releasing per event added a fifth
to every event. A partition's records therefore keep one connection for the batch and give
it back at the end. A transaction that fails gives its connection back at once — the pool
resets it, or drops it when it is broken — and the next transaction takes another, exactly
as a fresh acquire would.

Handlers must not change session state (``SET`` without ``LOCAL``): it would outlive their
transaction for the rest of the batch, not only their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from kim_shared.db.pool import Connection


class ConnectionLease:
    """Lends the same pooled connection to one transaction after the other."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: PoolConnectionProxy[asyncpg.Record] | None = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A transaction on the leased connection (acquired on first use)."""
        if self._conn is None:
            self._conn = await self._pool.acquire()
        conn = self._conn
        try:
            async with conn.transaction():
                yield conn
        except BaseException:
            self._conn = None
            # The transaction's error is what the caller classifies; a failed reset only
            # means the pool terminated the connection.
            with contextlib.suppress(Exception):
                await self._pool.release(conn)
            raise

    async def release(self) -> None:
        """Give the connection back to the pool (when one is leased)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._pool.release(conn)
