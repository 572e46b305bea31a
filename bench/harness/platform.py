"""The platform under test: Kafka + PostgreSQL (started, or the servers named by
``KIM_KAFKA_BOOTSTRAP_SERVERS`` / ``KIM_POSTGRES_URL``) and the four services as uvicorn
processes started the way ``kim up`` starts them (:mod:`kim_devstack.services`), each on a
new database of its own (dropped at the end)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import loadgen
from kim_devstack.paths import repo_root
from kim_devstack.processes import Fleet
from kim_devstack.services import SERVICE_NAMES, ServiceDef, uvicorn_command
from kim_devstack.stack import Ports, Stack
from kim_shared.events.topics import declared_topics
from kim_shared.kafka import ensure_topics

DEFAULT_PORT_BASE = 37000


def ports_at(base: int) -> Ports:
    """Kafka on base+92/base+93, PostgreSQL on base+32 (as the other bench scripts)."""
    return Ports(kafka=base + 92, kafka_controller=base + 93, postgres=base + 32)


@dataclass
class Platform:
    """The stack plus a :class:`~kim_devstack.processes.Fleet` of the services (one instance
    each, on ``port_base + 101`` … ``+ 104``), each on a new database of its own."""

    stack: Stack
    port_base: int
    work: Path  # logs, keys, load specs (a temporary directory)
    fleet: Fleet = field(init=False)

    def __post_init__(self) -> None:
        self.fleet = Fleet(
            kafka_bootstrap=self.stack.kafka_bootstrap,
            postgres_url=self.stack.postgres_url,
            work=self.work,
            base_port=self.port_base + 100,
            prefix="bench",
        )

    @property
    def tag(self) -> str:
        return self.fleet.tag

    @property
    def key_dir(self) -> Path:
        return self.fleet.key_dir

    @property
    def databases(self) -> dict[str, str]:
        """Service (or case) name -> DSN; every one is dropped by :meth:`stop`."""
        return self.fleet.databases

    @property
    def defs(self) -> dict[str, ServiceDef]:
        return {i.service: p.service for i, p in self.fleet.processes.items()}

    def database(self, name: str) -> str:
        """A new database ``bench_<tag>_<name>`` (dropped by :meth:`stop`)."""
        return self.fleet.database(name)

    def start_services(self, names: Sequence[str] = SERVICE_NAMES) -> None:
        self.fleet.start(names)

    def token(self, *roles: str, region: str | None = None) -> str:
        return self.fleet.token(*roles, region=region, sub="bench")

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each service process (``VmRSS``), MiB."""
        return {i.service: rss_mib(p.pid) for i, p in self.fleet.processes.items()}

    def stop(self) -> None:
        self.fleet.stop()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def platform(port_base: int) -> Iterator[Platform]:
    """The stack (own one in ``.local/bench-harness-<base>``, wiped; or existing servers)."""
    stack = Stack(name=f"bench-harness-{port_base}", ports=ports_at(port_base), fresh=True)
    stack.start()
    work = Path(tempfile.mkdtemp(prefix="kim-bench-"))
    plat = Platform(stack, port_base, work)
    try:
        asyncio.run(ensure_topics(stack.kafka_bootstrap, declared_topics()))
        yield plat
    finally:
        try:
            plat.stop()
        finally:
            stack.stop()
    shutil.rmtree(work, ignore_errors=True)  # kept (logs, load files) when the run failed


# --- other processes --------------------------------------------------------------------------


class App:
    """Any ASGI app under uvicorn, with the services' uvicorn options (the bare baseline)."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            uvicorn_command(app, port),
            env={**os.environ, **env, "PYTHONPATH": _pythonpath()},
            cwd=repo_root(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log = log

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bare app exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"bare app not ready; see {self.log}")

    def stop(self) -> None:
        from kim_devstack.process import stop_process

        stop_process(self.proc, timeout=10)


def _pythonpath() -> str:
    root = str(repo_root())
    current = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{current}" if current else root


async def load(work: Path, spec: loadgen.Spec) -> loadgen.Output:
    """Run ``spec`` in a load generator process; wait without blocking this event loop."""
    name = uuid.uuid4().hex[:8]
    spec_file, out_file = work / f"load-{name}.json", work / f"load-{name}.out.json"
    spec_file.write_text(json.dumps(asdict(spec)))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.harness.loadgen",
        str(spec_file),
        str(out_file),
        cwd=repo_root(),
        env={**os.environ, "PYTHONPATH": _pythonpath()},
    )
    if await proc.wait() != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode})")
    raw: dict[str, Any] = json.loads(out_file.read_text())
    samples = [loadgen.Sample(**s) for s in raw["samples"]]
    return loadgen.Output(samples, raw["seconds"], raw["errors"])
