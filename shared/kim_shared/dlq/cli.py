"""``kim dlq list|replay``: operator commands for dead letters."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kim_shared.dlq.service import DeadLetter, list_dead_letters, replay_dead_letters
from kim_shared.events.topics import CATALOGUE
from kim_shared.settings import ServiceSettings


def _bootstrap(args: argparse.Namespace) -> str:
    return str(args.bootstrap or ServiceSettings().kafka_bootstrap_servers)


def _topics(args: argparse.Namespace) -> list[str]:
    if args.topic:
        return [t if t.endswith(".dlq") else f"{t}.dlq" for t in args.topic]
    return [spec.dlq.name for spec in CATALOGUE]


def _row(d: DeadLetter) -> str:
    status = "sudah diputar ulang" if d.replayed else "menunggu"
    return (
        f"{d.dlq_topic}[{d.partition}]@{d.offset}  {status}\n"
        f"    asal     : {d.origin_topic}[{d.origin_partition}]@{d.origin_offset}\n"
        f"    konsumen : {d.consumer}\n"
        f"    event    : {d.event_type or '-'} id={d.event_id or '-'}\n"
        f"    galat    : {d.error_type}: {d.error[:300]}\n"
        f"    waktu    : {d.failed_at}"
    )


def _list(args: argparse.Namespace) -> int:
    total = 0
    for topic in _topics(args):
        letters = asyncio.run(list_dead_letters(_bootstrap(args), topic))
        if args.pending:
            letters = [d for d in letters if not d.replayed]
        for d in letters:
            print(_row(d))
        total += len(letters)
    print(f"{total} pesan di antrean surat mati (dead letter).")
    return 0


def _replay(args: argparse.Namespace) -> int:
    offsets = set(args.offset) if args.offset else None
    if offsets is not None and len(args.topic or []) != 1:
        print("Gunakan --offset bersama tepat satu --topic.")
        return 2
    total = 0
    for topic in _topics(args):
        done = asyncio.run(
            replay_dead_letters(_bootstrap(args), topic, offsets=offsets, dry_run=args.dry_run)
        )
        for d in done:
            verb = "akan diputar ulang" if args.dry_run else "diputar ulang"
            print(f"{verb}: {d.dlq_topic}@{d.offset} -> {d.origin_topic} ({d.event_type or '-'})")
        total += len(done)
    print(f"{total} pesan {'akan ' if args.dry_run else ''}dikirim ulang ke topik asal.")
    return 0


def register(sub: Any) -> None:
    dlq = sub.add_parser("dlq", help="Lihat dan putar ulang pesan gagal (dead letter).")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", metavar="AKSI", required=True)
    for name, func, help_text in (
        ("list", _list, "Tampilkan pesan di topik .dlq."),
        ("replay", _replay, "Kirim ulang pesan yang belum diputar ulang ke topik asalnya."),
    ):
        p = dlq_sub.add_parser(name, help=help_text)
        p.add_argument("--topic", action="append", help="Topik (atau topik .dlq); default: semua.")
        p.add_argument("--bootstrap", help="Alamat Kafka (default: KIM_KAFKA_BOOTSTRAP_SERVERS).")
        p.set_defaults(func=func)
        if name == "list":
            p.add_argument("--pending", action="store_true", help="Hanya yang belum diputar ulang.")
        else:
            p.add_argument("--offset", type=int, action="append", help="Offset tertentu di .dlq.")
            p.add_argument("--dry-run", action="store_true", help="Tampilkan saja, jangan kirim.")
