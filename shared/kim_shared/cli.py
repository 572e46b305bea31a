"""The operator CLI ``kim``.

Subcommands come from the ``kim.commands`` entry-point group: each entry is a
function ``register(subparsers)`` adding its own parsers, whose ``func``
default is a callable taking the parsed ``argparse.Namespace`` and returning
an exit code. The kit registers ``token`` and ``dlq``; the dev stack adds
``up``; services add their own (for example ``regions``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kim", description="Alat operator Platform KIM (Komunitas Informasi Masyarakat)."
    )
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH", required=True)
    for ep in sorted(entry_points(group="kim.commands"), key=lambda e: e.name):
        try:
            register: Register = ep.load()
        except ImportError as exc:
            # One broken plugin must not take the others (e.g. dlq replay) down with it.
            print(f"peringatan: perintah '{ep.name}' tidak tersedia: {exc}", file=sys.stderr)
            continue
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
