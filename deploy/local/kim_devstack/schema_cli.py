"""``kim schema write|check``: the migration schema snapshots (``migrations/schema.txt``).

Runs against ``KIM_POSTGRES_URL`` when it is set, else a throwaway local
PostgreSQL (``.local/schema``, a free port) started for the command alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import Iterator
from typing import Any

from kim_devstack.paths import repo_root, state_dir
from kim_devstack.postgres import PostgresNode
from kim_devstack.schema_snapshots import stale_snapshots, targets, write_snapshots

HINT = "uv run kim schema write"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _server() -> Iterator[str]:
    url = os.environ.get("KIM_POSTGRES_URL")
    if url:
        yield url
        return
    data = state_dir("schema") / "postgres"
    shutil.rmtree(data, ignore_errors=True)
    node = PostgresNode(data, port=_free_port())
    node.start()
    try:
        yield node.admin_dsn
    finally:
        node.stop()


def _shown(path: os.PathLike[str]) -> str:
    return os.path.relpath(path, repo_root())


def run_write(args: argparse.Namespace) -> int:
    with _server() as url:
        written = asyncio.run(write_snapshots(url, targets()))
    for path in written:
        print(f"Ditulis: {_shown(path)}")
    print("Periksa diff-nya lalu commit." if written else "Semua snapshot skema sudah sesuai.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    with _server() as url:
        stale = asyncio.run(stale_snapshots(url, targets()))
    for target in stale:
        print(f"Tidak sesuai dengan migrasinya: {_shown(target.snapshot)}")
    if stale:
        print(f"Jalankan `{HINT}`, periksa diff-nya, lalu commit.")
        return 1
    print("Semua snapshot skema sesuai dengan migrasinya.")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "schema", help="Snapshot skema basis data (migrations/schema.txt) dari migrasi."
    )
    actions = parser.add_subparsers(dest="schema_command", metavar="AKSI", required=True)
    actions.add_parser("write", help="Tulis ulang snapshot yang berbeda.").set_defaults(
        func=run_write
    )
    actions.add_parser(
        "check", help="Keluar dengan kode 1 bila ada snapshot yang berbeda."
    ).set_defaults(func=run_check)
