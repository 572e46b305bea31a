"""pytest fixtures that start the real Kafka broker and PostgreSQL once per session.

Integration tests never mock either. When the stack cannot start, every test
that needs it errors with the reason (no silent skips). Tests run against a
separate stack (``.local/test``, ports 29092/25432) wiped at each session, so
``make run`` can stay up meanwhile; ``KIM_TEST_PORT_BASE`` moves it to other
ports (and ``.local/test-<port>``) so that several test sessions can run at
once. ``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL`` point the tests
at existing servers instead, and ``KIM_INFRA=testcontainers`` uses containers where Docker exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI

from kim_devstack.kafka import KafkaNode
from kim_devstack.paths import state_dir
from kim_devstack.postgres import PostgresNode
from kim_devstack.stack import TEST_PORTS, Ports, Stack, create_database, with_database
from kim_shared.db import apply_migrations, create_pool
from kim_shared.events.base import Event
from kim_shared.events.envelope import CONTENT_TYPE
from kim_shared.events.topics import TopicSpec, declared_topics
from kim_shared.kafka import ensure_topics
from kim_shared.outbox.store import EventSource, envelope
from kim_shared.service import Runtime, ServiceSpec


def _test_ports() -> Ports:
    """``KIM_TEST_PORT_BASE=30000`` → Kafka 30092/30093, PostgreSQL 30032 (parallel runs)."""
    base = os.environ.get("KIM_TEST_PORT_BASE")
    if not base:
        return TEST_PORTS
    b = int(base)
    return Ports(kafka=b + 92, kafka_controller=b + 93, postgres=b + 32)


def services_base_port() -> int:
    """Base port for services a test starts itself (they listen on base + 1 … base + 4):
    ``KIM_TEST_PORT_BASE`` + 100, by default 29100, so parallel sessions never share one."""
    return int(os.environ.get("KIM_TEST_PORT_BASE") or 29000) + 100


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    ports = _test_ports()
    name = "test" if ports == TEST_PORTS else f"test-{ports.kafka}"
    started = Stack(name=name, ports=ports, fresh=True).start()
    try:
        asyncio.run(ensure_topics(started.kafka_bootstrap, declared_topics()))
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(stack: Stack) -> str:
    return stack.kafka_bootstrap


def _session_dir() -> Path:
    """Where this test session's stack keeps its data (``.local/test`` or ``test-<port>``)."""
    ports = _test_ports()
    return state_dir("test" if ports == TEST_PORTS else f"test-{ports.kafka}")


@pytest.fixture(scope="session")
def outage_kafka_node() -> Iterator[KafkaNode]:
    """A second Kafka, started on first use, for tests that stop and restart the broker
    while the session's broker serves everything else. Ports: the test Kafka's plus 100."""
    ports = _test_ports()
    data = _session_dir() / "kafka-outage"
    if data.exists():
        shutil.rmtree(data)
    node = KafkaNode(
        data, port=ports.kafka + 100, controller_port=ports.kafka_controller + 100, heap="512m"
    )
    node.start()
    try:
        asyncio.run(ensure_topics(node.bootstrap_servers, declared_topics()))
        yield node
    finally:
        node.stop()


@pytest.fixture
def outage_kafka(outage_kafka_node: KafkaNode) -> KafkaNode:
    """:func:`outage_kafka_node`, running when the test starts (a test may stop it: an
    earlier one may have left it stopped)."""
    if outage_kafka_node.pid is None:
        outage_kafka_node.start()
    return outage_kafka_node


@pytest.fixture(scope="session")
def outage_postgres_node() -> Iterator[PostgresNode]:
    """A second PostgreSQL, started on first use, for tests that stop a service's database
    (``stop("immediate")``, as a crash would) and start it again on the same data while the
    session's server serves everything else. Port: the test PostgreSQL's plus 3."""
    data = _session_dir() / "postgres-outage"  # not tmp_path: the server's user reaches it
    if data.exists():
        shutil.rmtree(data)
    node = PostgresNode(data, port=_test_ports().postgres + 3)
    node.start()
    try:
        yield node
    finally:
        node.stop("immediate")


@pytest.fixture(scope="session")
def pg_server(stack: Stack) -> str:
    """DSN of the test PostgreSQL server's maintenance database."""
    return stack.postgres_url


@pytest.fixture
async def fresh_db(pg_server: str) -> AsyncIterator[str]:
    """DSN of a new, empty database (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = await create_database(pg_server, name)
    yield dsn
    conn = await asyncpg.connect(with_database(pg_server, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def kit_pool(fresh_db: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh database holding the kit's tables (outbox, inbox, ...)."""
    pool = await create_pool(fresh_db, min_size=1, max_size=8)
    async with pool.acquire() as conn:
        await apply_migrations(conn, "test", None)
    yield pool
    await pool.close()


NewTopic = Callable[..., Awaitable[TopicSpec]]


@pytest.fixture
def new_topic(kafka_bootstrap: str) -> NewTopic:
    """Create a uniquely named topic (and its ``.dlq``) for one test."""

    async def make(partitions: int = 3, *, prefix: str = "kim.test.thing") -> TopicSpec:
        spec = TopicSpec(f"{prefix}{uuid.uuid4().hex[:8]}.v1", partitions=partitions)
        await ensure_topics(kafka_bootstrap, [spec, spec.dlq])
        return spec

    return make


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {within}s waiting for {what}")


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan (pool, migrations, broker, relay) and give an HTTP client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kim.test") as client:
            yield client


async def start_groups_at_the_end(
    bootstrap: str, groups: Iterable[str], topics: Iterable[TopicSpec]
) -> None:
    """Commit the topics' current end offsets for ``groups`` (none of them may be running).

    Topics are shared by a test session and a service's group names are fixed
    (``content.projection.regions``), so a test that starts a service on a fresh database
    first moves its groups to the end: the service then receives exactly what the test
    publishes, not what earlier tests left on the topics.
    """
    specs = list(topics)
    for group in groups:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            tps = [TopicPartition(t.name, p) for t in specs for p in range(t.partitions)]
            consumer.assign(tps)
            await consumer.commit(await consumer.end_offsets(tps))
        finally:
            await consumer.stop()


async def start_consumers_at_the_end(bootstrap: str, spec: ServiceSpec) -> None:
    """Move every consumer group of the service to the end of the topics it reads."""
    for consumer in spec.every_consumer:
        topics = {m.topic.name: m.topic for m in consumer.models}
        await start_groups_at_the_end(bootstrap, [consumer.name], topics.values())


async def publish_events(bootstrap: str, source: str, events: Iterable[Event]) -> None:
    """Publish ``events`` as service ``source`` would (CloudEvents, keyed by subject), in
    order: a test publisher standing in for another service."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            ce = envelope(event, EventSource(source))
            await producer.send_and_wait(
                event.topic.name,
                ce.to_bytes(),
                key=(ce.subject or "").encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
    finally:
        await producer.stop()


Running = tuple[httpx.AsyncClient, Runtime]


@contextlib.asynccontextmanager
async def running_services(
    pg_server: str, bootstrap: str, keys_dir: Path, *services: str
) -> AsyncIterator[dict[str, Running]]:
    """``services`` (``"registry"``, ``"content"``, ...) in-process with their real lifespans,
    each on a fresh database (dropped afterwards), sharing one dev key pair. Every consumer
    group of theirs is first moved to the end of the topics it reads, so they receive exactly
    what the test makes happen."""
    names = {s: f"e2e_{s}_{uuid.uuid4().hex[:8]}" for s in services}
    dsns = {s: await create_database(pg_server, n) for s, n in names.items()}
    specs = {ep.name: ep.load() for ep in entry_points(group="kim.services")}
    for service in services:
        await start_consumers_at_the_end(bootstrap, specs[service])
    try:
        async with contextlib.AsyncExitStack() as stack:
            out: dict[str, Running] = {}
            for service in services:
                settings_class = getattr(
                    import_module(f"kim_{service}.settings"), f"{service.capitalize()}Settings"
                )
                settings = settings_class(
                    database_url=dsns[service],
                    kafka_bootstrap_servers=bootstrap,
                    auth_dev_key_dir=str(keys_dir),
                    log_json=False,
                    outbox_poll_interval_s=0.2,
                )
                app = import_module(f"kim_{service}.main").create_app(settings)
                client = await stack.enter_async_context(serving(app))
                out[service] = (client, app.state.runtime)
            yield out
    finally:
        admin = await asyncpg.connect(with_database(pg_server, "postgres"))
        try:
            for name in names.values():
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
