"""``kim outbox list|retry``: operator commands for parked outbox rows.

The commands talk to one service's database: ``--service registry`` reads
``KIM_REGISTRY_DATABASE_URL`` (default: the local ``kim_registry`` database),
``--database-url`` names it outright. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import asyncpg

from kim_shared.outbox.parked import ParkedRow, list_parked, release_parked
from kim_shared.settings import database_url_of


def _dsn(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    return database_url_of(str(args.service))


def _row(p: ParkedRow) -> str:
    waiting = f", {p.waiting} event kunci yang sama menunggu di belakangnya" if p.waiting else ""
    return (
        f"#{p.id}  {p.topic}  kunci={p.key}\n"
        f"    event    : {p.event_type} id={p.event_id} ({p.size:,} byte)\n"
        f"    galat    : {p.last_error[:300]}\n"
        f"    ditahan  : sejak {p.parked_at:%Y-%m-%d %H:%M:%S %Z}, "
        f"ditolak {p.attempts} kali{waiting}"
    )


async def _with_conn(dsn: str) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    return conn


def _list(args: argparse.Namespace) -> int:
    async def run() -> list[ParkedRow]:
        conn = await _with_conn(_dsn(args))
        try:
            return await list_parked(conn)
        finally:
            await conn.close()

    rows = asyncio.run(run())
    for p in rows:
        print(_row(p))
    print(f"{len(rows)} event ditahan (parked) di outbox.")
    return 0


def _retry(args: argparse.Namespace) -> int:
    if not args.all and not args.id:
        print("Sebutkan --id N (boleh berulang) atau --all.")
        return 2

    async def run() -> list[int]:
        conn = await _with_conn(_dsn(args))
        try:
            return await release_parked(conn, None if args.all else set(args.id))
        finally:
            await conn.close()

    released = asyncio.run(run())
    for row_id in released:
        print(f"dilepas: #{row_id}")
    missing = sorted(set(args.id or ()) - set(released))
    if missing:
        print(
            "tidak ditahan (sudah terkirim, sudah dilepas, atau tidak ada): "
            + ", ".join(f"#{i}" for i in missing)
        )
    print(f"{len(released)} event dikembalikan ke relay outbox untuk dikirim ulang.")
    return 0 if not missing else 1


def register(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="Lihat dan kirim ulang event outbox yang ditahan.")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="AKSI", required=True)
    for name, func, help_text in (
        ("list", _list, "Tampilkan event yang ditahan relay (terlalu besar, topik tidak ada)."),
        ("retry", _retry, "Kembalikan event yang ditahan ke relay setelah penyebabnya diperbaiki."),
    ):
        p = outbox_sub.add_parser(name, help=help_text)
        where = p.add_mutually_exclusive_group()
        where.add_argument("--service", default="registry", help="Layanan (default: registry).")
        where.add_argument("--database-url", help="DSN basis data layanan secara langsung.")
        p.set_defaults(func=func)
        if name == "retry":
            p.add_argument("--id", type=int, action="append", help="Nomor baris outbox (#N).")
            p.add_argument("--all", action="store_true", help="Semua event yang ditahan.")
