"""How often a failure of an event handler is worth retrying.

Three classes, because each mistake costs something different:

* :attr:`Retry.FOREVER` — the infrastructure is away (connection refused or
  lost, the server shutting down or refusing new connections, out of
  resources). The event is fine; retrying with backoff until it comes back
  never skips anything, and dead-lettering would turn an outage into a pile of
  dead letters.
* :attr:`Retry.BOUNDED` — may pass on a retry, may never pass (a statement
  timeout, a serialization failure or deadlock, a lock timeout, and anything
  not recognised). Retried up to :attr:`RetryPolicy.max_attempts
  <kim_shared.inbox.consumer.RetryPolicy>`, then dead-lettered, so one event
  cannot block its partition for good.
* :attr:`Retry.NEVER` — deterministic in the event itself: a handler's
  :class:`PermanentError`, a value the database or the driver refuses
  (SQLSTATE class 22, asyncpg's client-side ``DataError`` such as an integer
  out of ``int4`` range). Dead-lettered at once.
"""

from __future__ import annotations

from enum import Enum

import asyncpg
from aiokafka.errors import KafkaConnectionError
from asyncpg.exceptions import _base as asyncpg_base


class PermanentError(Exception):
    """Processing this event can never succeed (a business invariant, bad reference):
    raise it from a handler to dead-letter the event at once."""


class Retry(Enum):
    FOREVER = "forever"
    BOUNDED = "bounded"
    NEVER = "never"


# SQLSTATEs of a server that is going away or cannot take us now (PostgreSQL appendix A).
_OUTAGE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown (also pg_terminate_backend)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, recovering)
        "57P05",  # idle_session_timeout: the connection is gone
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53200",  # out_of_memory
        "53300",  # too_many_connections
    }
)
_OUTAGE_SQLSTATE_CLASSES = ("08", "58")  # connection exception, system error (I/O)
_DATA_SQLSTATE_CLASS = "22"  # data exception: this value will be refused again

# asyncpg reports a connection or pool that is gone as a bare InterfaceError.
_GONE_MESSAGES = ("connection is closed", "pool is closing", "pool is closed")


def classify(exc: BaseException) -> Retry:
    """Which :class:`Retry` class a handler's exception belongs to."""
    if isinstance(exc, PermanentError | asyncpg_base.DataError):
        return Retry.NEVER
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        if state in _OUTAGE_SQLSTATES or state[:2] in _OUTAGE_SQLSTATE_CLASSES:
            return Retry.FOREVER
        if state[:2] == _DATA_SQLSTATE_CLASS:
            return Retry.NEVER
        return Retry.BOUNDED  # 57014 statement timeout, 40001, 40P01, 55P03, bugs (42...)
    if isinstance(exc, TimeoutError):  # before OSError: TimeoutError is one
        return Retry.BOUNDED
    if isinstance(exc, OSError | KafkaConnectionError):
        return Retry.FOREVER
    if isinstance(exc, asyncpg.InterfaceError) and any(m in str(exc) for m in _GONE_MESSAGES):
        return Retry.FOREVER
    return Retry.BOUNDED
