"""asyncpg pool with JSON codecs so ``jsonb`` columns map to Python objects."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Connection = asyncpg.Connection
"""A connection, plain or acquired from a pool: what repositories and handlers take."""


def _jsonb_encode(value: object) -> bytes:
    return b"\x01" + json.dumps(value).encode()  # jsonb binary format: version 1, then text


def _jsonb_decode(data: bytes) -> object:
    return json.loads(data[1:])


def _json_encode(value: object) -> bytes:
    return json.dumps(value).encode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    # Binary codecs, so that COPY (copy_records_to_table) handles json/jsonb too.
    await conn.set_type_codec(
        "jsonb", encoder=_jsonb_encode, decoder=_jsonb_decode, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec(
        "json", encoder=_json_encode, decoder=json.loads, schema="pg_catalog", format="binary"
    )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool; callers close it (the service lifespan does)."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection
    )
    assert pool is not None
    return pool
