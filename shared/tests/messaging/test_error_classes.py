"""Which handler failures are retried forever, a bounded number of times, or never.

The end-to-end behaviour of each class (through the broker) is in
``test_inbox_faults.py``; this table pins the classification of every kind the
module docstring names, with the exceptions the drivers really raise.
"""

from __future__ import annotations

import socket

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from asyncpg.exceptions import _base as asyncpg_base

from kim_shared.inbox.errors import PermanentError, Retry, classify


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        # infrastructure outages: forever
        (ConnectionRefusedError(111, "Connection refused"), Retry.FOREVER),
        (ConnectionResetError(104, "Connection reset by peer"), Retry.FOREVER),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), Retry.FOREVER),
        (asyncpg.AdminShutdownError("terminating connection"), Retry.FOREVER),
        (asyncpg.CannotConnectNowError("the database system is starting up"), Retry.FOREVER),
        (asyncpg.TooManyConnectionsError("too many clients already"), Retry.FOREVER),
        (asyncpg.DiskFullError("could not extend file"), Retry.FOREVER),
        (
            asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
            Retry.FOREVER,
        ),
        (asyncpg.InterfaceError("pool is closing"), Retry.FOREVER),
        (KafkaConnectionError("broker away"), Retry.FOREVER),
        # ambiguous: bounded
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), Retry.BOUNDED),
        (asyncpg.SerializationError("could not serialize access"), Retry.BOUNDED),
        (asyncpg.DeadlockDetectedError("deadlock detected"), Retry.BOUNDED),
        (asyncpg.LockNotAvailableError("could not obtain lock"), Retry.BOUNDED),
        (asyncpg.UniqueViolationError("duplicate key"), Retry.BOUNDED),
        (asyncpg.UndefinedTableError("relation does not exist"), Retry.BOUNDED),
        (TimeoutError(), Retry.BOUNDED),
        (KafkaTimeoutError(), Retry.BOUNDED),
        (asyncpg.InterfaceError("another operation is in progress"), Retry.BOUNDED),
        (RuntimeError("a bug"), Retry.BOUNDED),
        (KeyError("x"), Retry.BOUNDED),
        # deterministic in the event: never
        (PermanentError("unknown KIM"), Retry.NEVER),
        (asyncpg.NumericValueOutOfRangeError("integer out of range"), Retry.NEVER),
        (asyncpg.InvalidTextRepresentationError("invalid input syntax"), Retry.NEVER),
        (asyncpg.DivisionByZeroError("division by zero"), Retry.NEVER),
        (asyncpg.DataError("invalid input for query argument $1"), Retry.NEVER),
        (asyncpg_base.DataError("invalid input for query argument $1"), Retry.NEVER),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v.value,
)
def test_classification(exc: BaseException, expected: Retry) -> None:
    assert classify(exc) is expected


@pytest.mark.integration
async def test_what_the_drivers_really_raise(fresh_db: str) -> None:
    conn = await asyncpg.connect(fresh_db)
    try:
        # Refused by the driver before anything is sent (asyncpg 0.32 raises the class-22
        # DataError for it; older paths raise the InterfaceError-based one, also in the table).
        with pytest.raises(Exception, match="out of int32 range") as client_side:
            await conn.execute("SELECT $1::int4", 2**40)
        assert classify(client_side.value) is Retry.NEVER

        await conn.execute("SET statement_timeout = '20ms'")
        with pytest.raises(asyncpg.QueryCanceledError) as timeout:
            await conn.execute("SELECT pg_sleep(1)")
        await conn.execute("RESET statement_timeout")
        assert classify(timeout.value) is Retry.BOUNDED

        with pytest.raises(asyncpg.PostgresError) as terminated:
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        assert classify(terminated.value) is Retry.FOREVER
    finally:
        await conn.close()

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError) as refused:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/x")
    assert classify(refused.value) is Retry.FOREVER
