"""The idempotent Kafka producer of a process, bounded in time and replaced when broken.

aiokafka's idempotent producer (``enable_idempotence=True``, hence
``acks=all``) never expires a batch: while the broker is away, a send waits
forever, ``flush()`` waits forever and so does ``stop()``, which flushes. Its
``start()`` waits forever for a producer id. :class:`Producer` wraps it so
that every call has a bound:

* :meth:`Producer.deliver` sends records in order and waits for the broker's
  answer for at most ``send_timeout_s``, returning one outcome per record
  (acknowledged or the error), so a caller learns *which* record failed;
* connecting (lazily, on the first send or :meth:`Producer.start`) is bounded
  by the same timeout and raises :class:`BrokerUnavailable`;
* :meth:`Producer.stop` flushes for at most ``stop_timeout_s``, then drops
  what is left.

After a timed-out or refused send the underlying producer may still hold
batches (and retry them later, behind new ones), and a refused batch leaves a
gap in its per-partition sequence numbers that makes every later batch of that
partition fail (``OutOfOrderSequenceNumber``). Either way it is discarded and
the next call connects a fresh one (new producer id). A record that was in
flight may then reach the broker twice; consumers dedupe on the CloudEvents
``id``. Order per key holds: a caller re-sends, in order, everything from its
oldest unacknowledged record on, so a late copy only repeats what the log
already has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]] = ()


class BrokerUnavailable(KafkaError):  # type: ignore[misc]
    """No broker answered within the send timeout; nothing was handed over."""


class SendTimeout(KafkaError):  # type: ignore[misc]
    """The broker did not acknowledge the record within the send timeout (it may still land)."""


class HeldBack(KafkaError):  # type: ignore[misc]
    """Not sent: an earlier record with the same topic and key failed in the same call."""


class RecordRefused(KafkaError):  # type: ignore[misc]
    """This record can never be published as it is (refused before it left the process)."""


class TopicUnavailable(KafkaError):  # type: ignore[misc]
    """The topic does not exist on the broker, or this client may not write to it."""


class ProducerStopped(KafkaError):  # type: ignore[misc]
    """The producer was stopped or replaced before the broker acknowledged the record."""


class TopicNotVisibleYet(KafkaError):  # type: ignore[misc]
    """The broker's metadata lacks the topic, but not for long: a new topic takes a moment
    to appear. Retriable; it becomes :class:`TopicUnavailable` after the grace period."""

    retriable = True


# Refusals that concern the topic itself: every record of it fails, whatever its batch.
TOPIC_LEVEL_ERRORS: tuple[type[BaseException], ...] = (
    TopicUnavailable,
    TopicAuthorizationFailedError,
    InvalidTopicError,  # e.g. writing to an internal topic
)


def _sender_alive(producer: AIOKafkaProducer) -> bool:
    """False once the background sender died (fatal errors such as ProducerFenced end it)."""
    task = producer._sender.sender_task
    return task is not None and not task.done()


def _fail_pending(producer: AIOKafkaProducer, exc: BaseException) -> None:
    """Resolve every queued batch with ``exc``: aiokafka has no public way to drop batches,
    and its ``stop()`` waits for them, forever while the broker is away."""
    producer._message_accumulator.fail_all(exc)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an abandoned future's outcome as seen (no "exception never retrieved" noise)."""
    if not future.cancelled():
        future.exception()


class Producer:
    """One idempotent producer per process, shared by the relay and the dead-letter writer."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "kim",
        send_timeout_s: float = 10.0,
        stop_timeout_s: float = 5.0,
        max_request_size: int = 1_048_576,
        missing_topic_grace_s: float = 60.0,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self.send_timeout_s = send_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._max_request_size = max_request_size
        self.missing_topic_grace_s = missing_topic_grace_s
        self._missing_since: dict[str, float] = {}
        self._current: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self.replaced = 0  # producers discarded after a timeout, a refusal or a fatal error

    def _new(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            max_request_size=self._max_request_size,
            request_timeout_ms=max(1000, int(self.send_timeout_s * 1000)),
        )

    async def start(self) -> None:
        """Connect now; raises :class:`BrokerUnavailable` if no broker answers in time."""
        self._stopped = False
        await self._connected()

    async def connect(self) -> None:
        """Make sure a producer is connected (a new one if the last was discarded);
        raises :class:`BrokerUnavailable`, or :class:`ProducerStopped` after :meth:`stop`."""
        await self._connected()

    async def _connected(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._stopped:
                raise ProducerStopped("the producer is stopped")
            current = self._current
            if current is not None and _sender_alive(current):
                return current
            if current is not None:
                self._current = None
                await self._shutdown(current, flush_within=0)
            fresh = self._new()
            try:
                await asyncio.wait_for(fresh.start(), self.send_timeout_s)
            except BaseException as exc:
                await self._shutdown(fresh, flush_within=0)
                if isinstance(exc, Exception):
                    raise BrokerUnavailable(
                        f"no Kafka broker at {self._bootstrap} answered within "
                        f"{self.send_timeout_s:g}s: {exc!r}"
                    ) from exc
                raise
            self._current = fresh
            return fresh

    async def _discard(self, producer: AIOKafkaProducer, why: str) -> None:
        async with self._lock:
            if self._current is not producer:
                return  # already replaced by a concurrent caller
            self._current = None
        self.replaced += 1
        log.warning("kafka producer replaced (%s)", why)
        await self._shutdown(producer, flush_within=0)

    async def _shutdown(self, producer: AIOKafkaProducer, *, flush_within: float) -> None:
        """Stop ``producer`` within about ``flush_within`` + ``stop_timeout_s`` seconds."""
        try:
            if flush_within > 0:
                await asyncio.wait_for(producer.flush(), flush_within)
        except Exception:  # timed out or the sender died: what is left is dropped below
            log.warning("kafka producer: undelivered records dropped at stop")
        finally:
            _fail_pending(producer, ProducerStopped("producer stopped before the broker answered"))
            try:
                await asyncio.wait_for(producer.stop(), self.stop_timeout_s)
            except Exception as exc:
                log.warning("kafka producer did not close cleanly: %r", exc)

    async def stop(self) -> None:
        """Deliver what is queued for at most ``stop_timeout_s``, then close."""
        async with self._lock:
            self._stopped = True
            current, self._current = self._current, None
        if current is not None:
            await self._shutdown(current, flush_within=self.stop_timeout_s)

    async def deliver(
        self, records: Sequence[OutgoingRecord], *, isolate: Collection[int] = ()
    ) -> list[BaseException | None]:
        """Send ``records`` in order; one outcome per record, within the send timeout.

        ``None`` means acknowledged. Errors: :class:`RecordRefused` and
        :class:`TopicUnavailable` (refused before sending, certain), a
        ``KafkaError`` the broker answered for the record's batch,
        :class:`SendTimeout`, :class:`HeldBack` (an earlier record with the same
        topic and key failed), :class:`ProducerStopped`. Records whose index is
        in ``isolate`` are sent alone in their batch (everything before them is
        settled first), so an error the broker gives is theirs alone.
        Raises :class:`BrokerUnavailable` when no broker answers (nothing sent).
        """
        producer = await self._connected()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.send_timeout_s
        results: list[BaseException | None] = [None] * len(records)
        futures: dict[int, asyncio.Future[Any]] = {}
        failed_keys: set[tuple[str, bytes | None]] = set()
        missing = await self._unknown_topics(producer, {r.topic for r in records}, deadline)
        try:
            async with asyncio.timeout_at(deadline):
                for i, r in enumerate(records):
                    key = (r.topic, r.key)
                    if key in failed_keys:
                        results[i] = HeldBack(f"an earlier record of key {r.key!r} failed")
                        continue
                    if r.topic in missing:
                        results[i] = missing[r.topic]
                        failed_keys.add(key)
                        continue
                    if i in isolate and futures:
                        await asyncio.wait(futures.values())
                    try:
                        futures[i] = await producer.send(
                            r.topic, value=r.value, key=r.key, headers=list(r.headers)
                        )
                    except MessageSizeTooLargeError as exc:
                        results[i] = RecordRefused(f"{len(r.value)} bytes: {exc}")
                        failed_keys.add(key)
                        continue
                    except TopicAuthorizationFailedError as exc:
                        results[i] = TopicUnavailable(f"{r.topic}: {exc!r}")
                        failed_keys.add(key)
                        continue
                    except KafkaError as exc:  # e.g. the producer was replaced meanwhile
                        results[i] = exc
                        failed_keys.add(key)
                        continue
                    if i in isolate:
                        await asyncio.wait([futures[i]])
                        if futures[i].exception() is not None:
                            failed_keys.add(key)
        except TimeoutError:
            pass  # records not yet handed over are timed out below
        remaining = deadline - loop.time()
        pending = [f for f in futures.values() if not f.done()]
        if pending and remaining > 0:
            await asyncio.wait(pending, timeout=remaining)
        broken = ""
        for i in range(len(records)):
            if results[i] is not None:
                continue
            future = futures.get(i)
            if future is None or not future.done():
                results[i] = SendTimeout(f"no acknowledgement within {self.send_timeout_s:g}s")
                broken = broken or "send timed out"
                if future is not None:  # it fails when the producer is dropped: nobody waits
                    future.add_done_callback(_retrieve)
            elif future.exception() is not None:
                results[i] = future.exception()
                broken = broken or f"broker refused a batch: {future.exception()!r}"
        if broken:
            await self._discard(producer, broken)
        return results

    async def _unknown_topics(
        self, producer: AIOKafkaProducer, topics: Iterable[str], deadline: float
    ) -> dict[str, KafkaError]:
        """Topics the broker says it does not have (or denies). Asking avoids aiokafka's
        metadata wait, which would time the whole batch out on one missing topic. A topic
        counts as missing once the broker has lacked it for ``missing_topic_grace_s``."""
        unknown = [t for t in topics if producer.client.cluster.partitions_for_topic(t) is None]
        if not unknown:
            return {}
        loop = asyncio.get_running_loop()
        give_up = min(deadline, loop.time() + self.send_timeout_s / 2)
        while True:  # a topic created a moment ago takes a moment to show in the metadata
            try:
                timeout = max(0.1, deadline - loop.time())
                metadata = await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
            except Exception as exc:
                await self._discard(producer, f"metadata request failed: {exc!r}")
                raise BrokerUnavailable(f"metadata request failed: {exc!r}") from exc
            absent = set(unknown) - metadata.topics(exclude_internal_topics=False)
            absent -= metadata.unauthorized_topics
            if not absent or loop.time() + 0.2 > give_up:
                break
            await asyncio.sleep(0.2)
        now = loop.time()
        present = metadata.topics(exclude_internal_topics=False)
        out: dict[str, KafkaError] = {}
        for topic in unknown:
            if topic in metadata.unauthorized_topics:
                out[topic] = TopicUnavailable(f"{topic}: not authorised to write to this topic")
            elif topic in present:
                self._missing_since.pop(topic, None)
            elif now - self._missing_since.setdefault(topic, now) >= self.missing_topic_grace_s:
                out[topic] = TopicUnavailable(f"{topic}: no such topic on the broker")
            else:
                out[topic] = TopicNotVisibleYet(f"{topic}: not in the broker's metadata (yet)")
        return out

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        """Send ``records`` and return once the broker acknowledged all; raise the first error."""
        outcomes = await self.deliver(list(records))
        for error in outcomes:
            if error is not None:
                raise error

    async def ping(self) -> bool:
        """True when the broker answers a metadata request (within the send timeout).

        False while no producer is connected: the next send reconnects, not the probe."""
        current = self._current
        if current is None:
            return False
        try:
            await asyncio.wait_for(current.client.fetch_all_metadata(), self.send_timeout_s)
        except Exception:
            return False
        return True
