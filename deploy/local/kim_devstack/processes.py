"""The services as real processes, for tests and benchmarks that need what an in-process
app cannot give: a ``kill -9`` in the middle of a transaction, two instances of a service
on one database, a service whose PostgreSQL goes away.

Each instance is a uvicorn process started the way ``kim up`` starts it
(:class:`kim_devstack.services.ServiceProcess`), on its own port, with its own log file,
pointing at Kafka and at a database of the service. A :class:`Fleet` creates those databases
(``<prefix>_<tag>_<service>``, dropped by :meth:`Fleet.stop`), starts, kills (SIGKILL),
stops (SIGTERM) and restarts instances, and mints tokens the services accept (one dev key
pair for the whole fleet).

Ports: instance ``n`` (1, 2, ...) of the ``i``-th service in
:data:`~kim_devstack.services.SERVICE_NAMES` listens on ``base_port + 10 * (n - 1) + i``.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from kim_devstack.services import SERVICE_NAMES, ServiceDef, ServiceProcess
from kim_devstack.stack import create_database, with_database
from kim_shared.auth import Principal
from kim_shared.auth.mint import mint_dev_token
from kim_shared.settings import ServiceSettings


@dataclass(frozen=True)
class InstanceId:
    service: str
    instance: int = 1

    def __str__(self) -> str:
        return f"{self.service}#{self.instance}"


@dataclass
class Fleet:
    """Service processes on one Kafka; see the module docstring."""

    kafka_bootstrap: str
    postgres_url: str  # the server's maintenance DSN (database "postgres")
    work: Path  # logs/ and keys/ go here
    base_port: int
    prefix: str = "fleet"
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for every instance (``KIM_OUTBOX_POLL_INTERVAL_S`` …)."""
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    databases: dict[str, str] = field(default_factory=dict)  # service -> DSN
    processes: dict[InstanceId, ServiceProcess] = field(default_factory=dict)
    _servers: dict[str, str] = field(default_factory=dict)  # service -> server DSN it lives on
    _env: dict[InstanceId, dict[str, str]] = field(default_factory=dict)

    @property
    def key_dir(self) -> Path:
        return self.work / "keys"

    @property
    def log_dir(self) -> Path:
        return self.work / "logs"

    # -- databases -------------------------------------------------------------------------

    def database(self, name: str, *, server: str | None = None) -> str:
        """A new database ``<prefix>_<tag>_<name>`` on ``server`` (default: the fleet's),
        remembered as the database of ``name`` and dropped by :meth:`stop`."""
        on = server or self.postgres_url
        dsn = asyncio.run(create_database(on, f"{self.prefix}_{self.tag}_{name}"))
        self.databases[name] = dsn
        self._servers[name] = on
        return dsn

    # -- processes -------------------------------------------------------------------------

    def port(self, service: str, instance: int = 1) -> int:
        return self.base_port + 10 * (instance - 1) + SERVICE_NAMES.index(service) + 1

    def url(self, service: str, instance: int = 1) -> str:
        return f"http://127.0.0.1:{self.port(service, instance)}"

    def launch(
        self, service: str, instance: int = 1, *, env: Mapping[str, str] | None = None
    ) -> ServiceProcess:
        """Start one instance (its database must exist: :meth:`database`); do not wait."""
        if service not in self.databases:
            self.database(service)
        ident = InstanceId(service, instance)
        old = self.processes.get(ident)
        if old is not None and old.alive():
            raise RuntimeError(f"{ident} is already running")
        self._env[ident] = {
            "KIM_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "KIM_AUTH_DEV_KEY_DIR": str(self.key_dir),
            f"KIM_{service.upper()}_DATABASE_URL": self.databases[service],
            **self.env,
            **(env or {}),
        }
        return self._spawn(ident)

    def _spawn(self, ident: InstanceId) -> ServiceProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        definition = ServiceDef(ident.service, self.port(ident.service, ident.instance))
        log = self.log_dir / f"{ident.service}-{ident.instance}.log"
        proc = ServiceProcess(definition, self._env[ident], self.log_dir, log_file=log)
        self.processes[ident] = proc
        return proc

    def start(
        self,
        services: Sequence[str] = SERVICE_NAMES,
        *,
        instances: int = 1,
        timeout: float = 120,
    ) -> None:
        """Start ``instances`` of each of ``services`` and wait until every one is ready."""
        started = [
            self.launch(s, n) for n in range(1, instances + 1) for s in services
        ]  # all at once: their imports overlap
        for proc in started:
            proc.wait_ready(timeout=timeout)

    def instance(self, service: str, instance: int = 1) -> ServiceProcess:
        return self.processes[InstanceId(service, instance)]

    def kill(self, service: str, instance: int = 1) -> None:
        """``kill -9`` the instance: no shutdown hook runs, open transactions are lost."""
        self.instance(service, instance).kill(signal.SIGKILL)

    def terminate(self, service: str, instance: int = 1) -> None:
        """SIGTERM, as Kubernetes stops a pod (SIGKILL after the grace period)."""
        self.instance(service, instance).stop()

    def restart(self, service: str, instance: int = 1, *, timeout: float = 120) -> float:
        """Start a stopped or killed instance again with its environment; wait until ready.
        Returns the seconds it took to be ready."""
        ident = InstanceId(service, instance)
        if self.processes[ident].alive():
            raise RuntimeError(f"{ident} is still running")
        started = time.monotonic()
        self._spawn(ident).wait_ready(timeout=timeout)
        return time.monotonic() - started

    def revive(self, instance: int = 1, *, timeout: float = 120) -> list[str]:
        """Restart every ``instance`` that is down (a test stopped or killed it and did not get
        to start it again); returns the ones restarted, e.g. ``["content#1"]``."""
        down = [i for i, p in self.processes.items() if i.instance == instance and not p.alive()]
        for ident in down:
            self.restart(ident.service, ident.instance, timeout=timeout)
        return [str(i) for i in down]

    def pids(self) -> dict[str, int]:
        return {str(i): p.pid for i, p in self.processes.items() if p.alive()}

    # -- tokens ----------------------------------------------------------------------------

    def token(
        self,
        *roles: str,
        region: str | None = None,
        sub: str = "fleet",
        kim_ids: tuple[str, ...] = (),
    ) -> str:
        settings = ServiceSettings(auth_dev_key_dir=str(self.key_dir))
        principal = Principal(
            subject=sub, roles=frozenset(roles), region_scope=region, kim_ids=kim_ids
        )
        return mint_dev_token(settings, principal)

    # -- the end ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every instance (SIGTERM, then SIGKILL) and drop the fleet's databases."""
        for proc in reversed(list(self.processes.values())):
            proc.stop()
        self.processes.clear()
        if self.databases:
            servers = {name: self._servers.get(name, self.postgres_url) for name in self.databases}
            asyncio.run(_drop(servers, self.databases))
            self.databases.clear()


async def _drop(servers: Mapping[str, str], databases: Mapping[str, str]) -> None:
    for service, dsn in databases.items():
        try:
            conn = await asyncpg.connect(with_database(servers[service], "postgres"))
        except OSError:
            continue  # that server is gone already (a test's own PostgreSQL)
        try:
            name = dsn.rpartition("/")[2]
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
