"""The outbox relay: publishes committed outbox rows to Kafka.

* Claims a batch with ``FOR UPDATE SKIP LOCKED`` so several relays (replicas)
  share the work, but holds back any row whose key has an earlier unsent row
  it could not claim: per-aggregate order survives two relays.
* Sends the batch with the idempotent producer and marks rows ``sent_at``
  only after the broker acknowledged them, in the same transaction that holds
  the row locks. A crash between the two re-sends the rows later (at least
  once); consumers dedupe on the CloudEvents ``id``.
* Woken by ``LISTEN kim_outbox`` (a trigger notifies on commit) and polls as
  a fallback; transient database or broker failures back off and retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from kim_shared.kafka import OutgoingRecord, Producer

log = logging.getLogger(__name__)

_CLAIM = """
WITH batch AS (
    SELECT id FROM outbox
    WHERE sent_at IS NULL
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
SELECT o.id, o.topic, o.key, o.payload, o.headers
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
_PURGE = "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)"
CHANNEL = "kim_outbox"


@dataclass(frozen=True)
class RelayConfig:
    batch_size: int = 1000
    poll_interval_s: float = 1.0
    max_backoff_s: float = 30.0
    keep_sent_s: float = 7 * 24 * 3600.0
    purge_every_s: float = 600.0


class OutboxRelay:
    """Run :meth:`run` as a task; cancel it (or call :meth:`stop`) to stop."""

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
        self._stopping = False
        self._after_send = after_send  # test hook: runs after the broker ack, before marking
        self.published = 0

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish one batch of claimable rows; return how many were sent."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self._config.batch_size)
            if not rows:
                return 0
            await self._producer.send_all(
                OutgoingRecord(
                    topic=r["topic"],
                    key=r["key"].encode(),
                    value=r["payload"],
                    headers=[(k, str(v).encode()) for k, v in r["headers"].items()],
                )
                for r in rows
            )
            ids = [r["id"] for r in rows]
            if self._after_send is not None:
                await self._after_send(ids)
            await conn.execute(_MARK_SENT, ids)
        self.published += len(rows)
        return len(rows)

    async def drain(self) -> int:
        """Publish until nothing claimable is left; return how many rows were sent."""
        total = 0
        while True:
            sent = await self.publish_batch()
            total += sent
            if sent < self._config.batch_size:
                return total

    async def run(self) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.1
        loop = asyncio.get_running_loop()
        last_purge = loop.time()
        try:
            while not self._stopping:
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    self._wake.clear()
                    await self.drain()
                    if loop.time() - last_purge > self._config.purge_every_s:
                        await self._pool.execute(_PURGE, self._config.keep_sent_s)
                        last_purge = loop.time()
                    backoff = 0.1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("outbox relay: database unavailable, retrying: %s", exc)
                    listener = None
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._config.max_backoff_s)
                    continue
                except Exception as exc:  # broker errors and anything unexpected
                    log.exception("outbox relay: publish failed, retrying: %s", exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._config.max_backoff_s)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._config.poll_interval_s)
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        """A dedicated connection listening for commits; polling covers its absence."""
        try:
            conn: asyncpg.Connection = await asyncpg.connect(self._dsn)
            await conn.add_listener(CHANNEL, self._on_notify)
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("outbox relay: LISTEN unavailable, polling only: %s", exc)
            return None

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
