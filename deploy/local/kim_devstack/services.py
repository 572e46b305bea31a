"""Run the four services as separate uvicorn processes, as they run in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kim_devstack.process import StartupError, stop_process


@dataclass(frozen=True)
class ServiceDef:
    name: str
    port: int

    @property
    def module(self) -> str:
        return f"kim_{self.name}.main:create_app"

    @property
    def database(self) -> str:
        return f"kim_{self.name}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICE_NAMES = ("registry", "content", "marketplace", "mentoring")

# How uvicorn runs a service (and the bench's bare app, for a fair comparison): uvloop and
# httptools (uvicorn[standard]) named explicitly, so that a missing extra fails at start
# instead of falling back to asyncio's loop and the pure-Python h11 parser.
UVICORN_OPTIONS = ("--loop", "uvloop", "--http", "httptools", "--no-use-colors")


def uvicorn_command(app: str, port: int, *, factory: bool = True) -> list[str]:
    """``python -m uvicorn`` serving ``app`` (``module:attr``) on 127.0.0.1:``port``."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        *(["--factory"] if factory else []),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *UVICORN_OPTIONS,
    ]


def services_at(base_port: int = 8000) -> tuple[ServiceDef, ...]:
    """The four services on ``base_port + 1`` … ``base_port + 4`` (default 8001-8004)."""
    return tuple(ServiceDef(name, base_port + i) for i, name in enumerate(SERVICE_NAMES, 1))


def portal_at(base_port: int = 8000) -> ServiceDef:
    """The web portal on ``base_port`` itself (default 8000); it has no database."""
    return ServiceDef("portal", base_port)


def portal_env(services: tuple[ServiceDef, ...]) -> dict[str, str]:
    """Where the portal finds each service (``KIM_PORTAL_REGISTRY_URL``, ...)."""
    return {f"KIM_PORTAL_{svc.name.upper()}_URL": svc.url for svc in services}


class ServiceProcess:
    def __init__(
        self,
        service: ServiceDef,
        env: dict[str, str],
        log_dir: Path,
        *,
        log_file: Path | None = None,
    ) -> None:
        self.service = service
        self.log_file = log_file or log_dir / f"{service.name}.log"
        self._proc = subprocess.Popen(
            uvicorn_command(service.module, service.port),
            env={**os.environ, **env},
            stdout=self.log_file.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise StartupError(
                    f"{self.service.name} exited with code {self._proc.returncode}; "
                    f"see {self.log_file}"
                )
            try:
                with urllib.request.urlopen(f"{self.service.url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise StartupError(
            f"{self.service.name} not ready after {timeout:.0f}s; see {self.log_file}"
        )

    def stop(self) -> None:
        stop_process(self._proc, timeout=20)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (default ``kill -9``) and reap the process."""
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            self._proc.wait(30)

    def alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def pid(self) -> int:
        """The uvicorn process (it serves in the process itself: no workers)."""
        return self._proc.pid
