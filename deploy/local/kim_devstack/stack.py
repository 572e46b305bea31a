"""The local stack: Kafka + PostgreSQL, started or found, the same way for
``make run`` and for the test fixtures.

Choice of infrastructure, in order:

1. ``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL`` point at existing
   servers: nothing is started for that part.
2. ``KIM_INFRA=testcontainers`` (where a Docker engine exists): containers.
3. Default: local processes (Kafka from Maven jars, embedded PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from kim_devstack.kafka import KafkaNode
from kim_devstack.paths import state_dir
from kim_devstack.postgres import PostgresNode
from kim_devstack.process import StartupError


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Ports:
    kafka: int = 19092
    kafka_controller: int = 19093
    postgres: int = 15432


RUN_PORTS = Ports()
TEST_PORTS = Ports(kafka=29092, kafka_controller=29093, postgres=25432)


@dataclass
class Stack:
    """Start with :meth:`start`; read ``kafka_bootstrap`` and ``postgres_url``."""

    name: str = "run"
    ports: Ports = RUN_PORTS
    fresh: bool = False  # wipe this stack's data first (tests)
    kafka_bootstrap: str = ""
    postgres_url: str = ""  # server DSN (database "postgres")
    postgres: PostgresNode | None = None
    kafka: KafkaNode | None = None
    _started: list[_Stoppable] = field(default_factory=list)

    def start(self) -> Stack:
        try:
            self._start_postgres()
            self._start_kafka()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_postgres(self) -> None:
        url = os.environ.get("KIM_POSTGRES_URL")
        if url:
            self.postgres_url = url
            return
        if os.environ.get("KIM_INFRA") == "testcontainers":
            self.postgres_url = self._container_postgres()
            return
        base = state_dir(self.name)
        if self.fresh:
            _wipe(base / "postgres")
        node = PostgresNode(base / "postgres", port=self.ports.postgres)
        node.start()
        self.postgres, self.postgres_url = node, node.admin_dsn
        self._started.append(node)

    def _start_kafka(self) -> None:
        bootstrap = os.environ.get("KIM_KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap:
            self.kafka_bootstrap = bootstrap
            return
        if os.environ.get("KIM_INFRA") == "testcontainers":
            self.kafka_bootstrap = self._container_kafka()
            return
        base = state_dir(self.name)
        if self.fresh:
            _wipe(base / "kafka")
        node = KafkaNode(
            base / "kafka", port=self.ports.kafka, controller_port=self.ports.kafka_controller
        )
        node.start()
        self.kafka, self.kafka_bootstrap = node, node.bootstrap_servers
        self._started.append(node)

    def _container_postgres(self) -> str:
        try:
            from testcontainers.postgres import PostgresContainer
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise StartupError("KIM_INFRA=testcontainers needs the testcontainers package") from exc
        container: Any = PostgresContainer("postgres:18", username="postgres", password="kim")
        container.start()
        self._started.append(container)
        host, port = container.get_container_host_ip(), container.get_exposed_port(5432)
        return f"postgresql://postgres:kim@{host}:{port}/postgres"

    def _container_kafka(self) -> str:
        try:
            from testcontainers.kafka import KafkaContainer
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise StartupError("KIM_INFRA=testcontainers needs the testcontainers package") from exc
        container: Any = KafkaContainer("apache/kafka:4.1.1").with_kraft()
        container.start()
        self._started.append(container)
        return str(container.get_bootstrap_server())

    def database_url(self, database: str) -> str:
        """DSN of ``database`` on this stack's server (created if missing)."""
        return asyncio.run(create_database(self.postgres_url, database))

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()


def _wipe(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


def with_database(server_url: str, database: str) -> str:
    """Replace the database part of a PostgreSQL URL."""
    head, _, _ = server_url.rpartition("/")
    return f"{head}/{database}"


async def create_database(server_url: str, database: str) -> str:
    """Create ``database`` on the server at ``server_url`` if missing; return its DSN."""
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(server_url, database)
