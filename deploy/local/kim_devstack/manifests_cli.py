"""``kim manifests write|check``: Kubernetes manifests generated from the topic catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kim_devstack.manifests import REGENERATE_HINT, stale_manifests, write_manifests
from kim_devstack.paths import repo_root


def _root(args: argparse.Namespace) -> Path:
    root: Path | None = args.root
    return root if root is not None else repo_root()


def run_write(args: argparse.Namespace) -> int:
    changed = write_manifests(_root(args))
    if not changed:
        print("Manifes sudah sesuai dengan katalog topik; tidak ada yang diubah.")
        return 0
    for path in changed:
        print(f"Ditulis: {path}")
    print("Periksa perubahannya lalu commit berkas tersebut.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    stale = stale_manifests(_root(args))
    if not stale:
        print("Manifes Kubernetes sesuai dengan katalog topik.")
        return 0
    for path in stale:
        print(f"Tidak sesuai dengan katalog topik (atau belum ada): {path}")
    print(f"Jalankan `{REGENERATE_HINT}` lalu commit hasilnya.")
    return 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "manifests",
        help="Manifes Kubernetes (Strimzi KafkaTopic, KafkaUser contoh) dari katalog topik.",
    )
    actions = parser.add_subparsers(dest="manifests_command", metavar="AKSI", required=True)
    for name, func, text in (
        ("write", run_write, "Tulis ulang manifes dari katalog topik."),
        ("check", run_check, "Keluar dengan kode 1 bila manifes yang di-commit berbeda."),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--root",
            type=Path,
            default=None,
            help="Akar repositori (default: repositori tempat paket ini berada).",
        )
        action.set_defaults(func=func)
