"""The outbox relay: publishes committed outbox rows to Kafka.

* Connects the producer *before* claiming rows, so that while the broker is
  away it holds no transaction, no row lock and no connection: it backs off.
* Claims a batch with ``FOR UPDATE SKIP LOCKED`` so several relays (replicas)
  share the work, but holds back any row whose key has an earlier unsent row
  it could not claim (another relay's, or a parked one): per-aggregate order
  survives two relays and a parked row. Held-back rows are left out before
  the batch limit, so one blocked key never starves the others.
* Sends the batch with the idempotent producer, bounded by its send timeout,
  and looks at each record's outcome: acknowledged rows are marked
  ``sent_at`` in the transaction that holds their locks (a crash before the
  commit re-sends them later: at least once, consumers dedupe on the
  CloudEvents ``id``); a row the broker can never take is parked with its
  error; a row in a batch the broker refused is sent alone next time, and
  parked if refused alone; anything else (timeout, broker away) stays pending
  and the relay backs off. The transaction never outlives the send timeout.
* Publishes each envelope unchanged: its CloudEvents ``traceparent`` names the span that
  staged it. While tracing records, a batch is sent inside one span linked to those
  (:func:`kim_shared.tracing.publishing`).
* Woken by ``LISTEN kim_outbox`` (a trigger notifies on commit) and polls as
  a fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka.errors import (
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    ProducerFenced,
    UnknownProducerId,
)

from kim_shared.producer import (
    TOPIC_LEVEL_ERRORS,
    HeldBack,
    OutgoingRecord,
    Producer,
    ProducerStopped,
    RecordRefused,
    SendTimeout,
)
from kim_shared.tracing import publishing

log = logging.getLogger(__name__)

_CLAIM = """
WITH batch AS (
    SELECT o.id FROM outbox o
    WHERE o.sent_at IS NULL AND o.parked_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM outbox p
          WHERE p.parked_at IS NOT NULL AND p.sent_at IS NULL
            AND p.topic = o.topic AND p.key = o.key AND p.id < o.id
      )
    ORDER BY o.id
    LIMIT $1
    FOR UPDATE OF o SKIP LOCKED
)
SELECT o.id, o.topic, o.key, o.payload, o.headers, o.attempts
FROM outbox o
JOIN batch b ON b.id = o.id
WHERE NOT EXISTS (
    SELECT 1 FROM outbox earlier
    WHERE earlier.sent_at IS NULL
      AND earlier.topic = o.topic
      AND earlier.key = o.key
      AND earlier.id < o.id
      AND earlier.id NOT IN (SELECT id FROM batch)
)
ORDER BY o.id
"""

_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])"
_PARK = """
UPDATE outbox SET parked_at = now(), attempts = attempts + 1, last_error = $2
WHERE id = $1
"""
_REFUSED = "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1"
CHANNEL = "kim_outbox"
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class RelayConfig:
    batch_size: int = 1000
    poll_interval_s: float = 1.0
    max_backoff_s: float = 30.0


@dataclass
class BatchResult:
    claimed: int = 0
    sent: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)  # sent alone next time
    held: list[int] = field(default_factory=list)  # behind a failed row of their key
    pending: list[int] = field(default_factory=list)  # timed out, broker away: retried
    first_error: BaseException | None = None


class RelayStalled(Exception):
    """No claimed row could be published, for a passing reason: back off, then retry.
    (When some rows got through, the others are simply claimed again.)"""


# Failures of the producer or the connection, not of the record: the producer is replaced
# (a refused batch leaves a gap in its sequence numbers) and the record goes again.
_NOT_THE_RECORDS_FAULT = (
    SendTimeout,
    ProducerStopped,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    ProducerFenced,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    ProducerClosed,
)


def _verdict(error: BaseException, isolated: bool) -> str:
    """What to do with a record that failed: "park" it, note it "refused" (sent alone
    next time), leave it "held" behind its key's failed row, or "pending" (retry)."""
    if isinstance(error, RecordRefused) or isinstance(error, TOPIC_LEVEL_ERRORS):
        return "park"  # certain: the record itself, or its topic
    if isinstance(error, HeldBack):
        return "held"  # behind a row of its key that failed: the claim holds it back next time
    if isinstance(error, _NOT_THE_RECORDS_FAULT):
        return "pending"
    if isinstance(error, KafkaError) and not error.retriable:
        # The broker refused the record's batch: the record, or a batch-mate.
        return "park" if isolated else "refused"
    return "pending"


def _describe(error: BaseException) -> str:
    text = str(error)  # aiokafka's errors already start with their class name
    if not text.startswith(type(error).__name__):
        text = f"{type(error).__name__}: {text}"
    return text[:MAX_ERROR_CHARS]


class OutboxRelay:
    """Run :meth:`run` as a task; call :meth:`stop` (then await the task) to stop."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        producer: Producer,
        config: RelayConfig | None = None,
        *,
        after_send: Callable[[list[int]], Awaitable[None]] | None = None,
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._producer = producer
        self._config = config or RelayConfig()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._after_send = after_send  # test hook: runs after the broker ack, before marking
        self.published = 0
        self.parked = 0
        self.idle = asyncio.Event()  # set while waiting for NOTIFY or the poll (tests, probes)
        self.listening = False

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def publish_batch(self) -> BatchResult:
        """Publish one batch of claimable rows (see the module docstring)."""
        await self._producer.connect()  # raises BrokerUnavailable before any row is locked
        result = BatchResult()
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self._config.batch_size)
            result.claimed = len(rows)
            if not rows:
                return result
            with publishing([r["payload"] for r in rows]):  # a span only while recording
                outcomes = await self._producer.deliver(
                    [_record(r) for r in rows],
                    isolate={i for i, r in enumerate(rows) if r["attempts"] > 0},
                )
            parked: list[tuple[int, str]] = []
            refused: list[tuple[int, str]] = []
            for row, error in zip(rows, outcomes, strict=True):
                if error is None:
                    result.sent.append(row["id"])
                    continue
                verdict = _verdict(error, isolated=row["attempts"] > 0)
                text = _describe(error)
                if verdict == "park":
                    parked.append((row["id"], text))
                    result.parked.append(row["id"])
                elif verdict == "refused":
                    refused.append((row["id"], text))
                    result.refused.append(row["id"])
                elif verdict == "held":
                    result.held.append(row["id"])
                else:
                    result.pending.append(row["id"])
                    result.first_error = result.first_error or error
            if self._after_send is not None:
                await self._after_send(result.sent)
            await conn.execute(_MARK_SENT, result.sent)
            if parked:
                await conn.executemany(_PARK, parked)
            if refused:
                await conn.executemany(_REFUSED, refused)
        self.published += len(result.sent)
        self.parked += len(result.parked)
        for row_id, text in parked:
            log.error("outbox relay: parked row %d, it can never be published: %s", row_id, text)
        if result.pending and not result.sent:  # nothing got through: back off
            raise RelayStalled(
                f"{len(result.pending)} of {result.claimed} rows not acknowledged: "
                f"{result.first_error!r}"
            )
        return result

    async def drain(self) -> int:
        """Publish until nothing claimable is left; return how many rows were sent."""
        total = 0
        while True:
            result = await self.publish_batch()
            total += len(result.sent)
            if result.claimed < self._config.batch_size and not result.refused:
                return total  # refused rows are sent alone right away, not after a poll

    async def run(self) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.1
        try:
            while not self._stop.is_set():
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    self._wake.clear()
                    await self.drain()
                    backoff = 0.1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("outbox relay: database unavailable, retrying: %s", exc)
                    await _close(listener)
                    listener = None
                    backoff = await self._pause(backoff)
                    continue
                except (KafkaError, RelayStalled) as exc:
                    log.warning("outbox relay: broker unavailable, retrying: %s", exc)
                    backoff = await self._pause(backoff)
                    continue
                except Exception as exc:  # anything unexpected: log it loudly, keep going
                    log.exception("outbox relay: publish failed, retrying: %s", exc)
                    backoff = await self._pause(backoff)
                    continue
                self.idle.set()
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._config.poll_interval_s)
                finally:
                    self.idle.clear()
        finally:
            await _close(listener)
            self.listening = False

    async def _pause(self, backoff: float) -> float:
        """Sleep ``backoff`` (cut short by :meth:`stop`); return the next backoff."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), backoff)
        return min(backoff * 2, self._config.max_backoff_s)

    async def _listen(self) -> asyncpg.Connection | None:
        """A dedicated connection listening for commits; polling covers its absence."""
        try:
            conn: asyncpg.Connection = await asyncpg.connect(self._dsn)
            await conn.add_listener(CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("outbox relay: LISTEN unavailable, polling only: %s", exc)
            self.listening = False
            return None
        self.listening = True
        return conn

    def stop(self) -> None:
        """Finish the batch in flight (bounded by the send timeout), then return from run."""
        self._stop.set()
        self._wake.set()


def _record(row: Any) -> OutgoingRecord:
    return OutgoingRecord(
        topic=row["topic"],
        key=row["key"].encode(),
        value=row["payload"],
        headers=[(k, str(v).encode()) for k, v in row["headers"].items()],
    )


async def _close(conn: asyncpg.Connection | None) -> None:
    if conn is not None and not conn.is_closed():
        with contextlib.suppress(Exception):
            await conn.close()
