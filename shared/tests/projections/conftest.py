"""Fixtures of the projection tests: one database per session with the kit's and both
projections' tables, and a connection in a transaction that each test rolls back
(STYLE §4: handlers tested without HTTP or Kafka)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from kim_devstack.stack import create_database, with_database
from kim_shared.db import apply_migrations
from kim_shared.projections import KIM, REGIONS


@pytest.fixture(scope="session")
async def projection_db(pg_server: str) -> AsyncIterator[str]:
    name = f"projections_{uuid.uuid4().hex[:10]}"
    dsn = await create_database(pg_server, name)
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(
            conn, "test", None, mounted=(REGIONS.migration_set, KIM.migration_set)
        )
    finally:
        await conn.close()
    yield dsn
    admin = await asyncpg.connect(with_database(pg_server, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def conn(projection_db: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    connection = await asyncpg.connect(projection_db)
    tx = connection.transaction()
    await tx.start()
    try:
        yield connection
    finally:
        await tx.rollback()
        await connection.close()


class Counting:
    """A connection that records every statement sent through it (to prove that a batch
    handler sends one statement per batch, not one per event)."""

    SENDING = frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval"})

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._conn, name)
        if name not in self.SENDING:
            return attr

        async def counted(query: str, *args: Any, **kwargs: Any) -> Any:
            self.statements.append(query)
            return await attr(query, *args, **kwargs)

        return counted
