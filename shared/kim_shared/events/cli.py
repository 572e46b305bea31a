"""``kim contracts write|check``: regenerate or verify the committed contract files."""

from __future__ import annotations

import argparse
from typing import Any

from kim_shared.events.contracts import Plan, plan, repo_root


def _report_breaking(breaking: dict[str, list[str]]) -> None:
    for event_type, problems in breaking.items():
        print(f"Perubahan tidak kompatibel pada {event_type} (buat versi baru, mis. .v2):")
        for problem in problems:
            print(f"  - {problem}")


def _plan() -> Plan:
    p = plan()
    if p.history_unavailable:
        print(
            "Peringatan: riwayat git tidak dibandingkan "
            f"({p.history_unavailable}); acuan rilis di shared/contracts/released tetap diperiksa."
        )
    return p


def _write(args: argparse.Namespace) -> int:
    p = _plan()
    if p.breaking:
        _report_breaking(p.breaking)
        return 1
    for path in p.write():
        print(f"ditulis: {path.relative_to(repo_root())}")
    print("Berkas kontrak sudah mutakhir.")
    return 0


def _check(args: argparse.Namespace) -> int:
    p = _plan()
    _report_breaking(p.breaking)
    stale = p.stale()
    for path in stale:
        print(f"usang: {path.relative_to(repo_root())} (jalankan: uv run kim contracts write)")
    return 1 if (stale or p.breaking) else 0


def register(sub: Any) -> None:
    contracts = sub.add_parser(
        "contracts", help="Skema JSON event dan dokumen AsyncAPI yang disimpan di repo."
    )
    contracts_sub = contracts.add_subparsers(
        dest="contracts_command", metavar="AKSI", required=True
    )
    contracts_sub.add_parser("write", help="Tulis ulang berkas kontrak.").set_defaults(func=_write)
    contracts_sub.add_parser("check", help="Periksa berkas kontrak.").set_defaults(func=_check)
