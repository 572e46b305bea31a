"""``kim projections rebuild|check``: operator commands for the projections services mount.

``rebuild <service> <projection>`` empties the projection in the service's database and
replays it from its state topic while the service (and its live consumer) keeps running
(see :mod:`kim_shared.projections.rebuild` for why that is safe). ``check`` compares every
mounted projection with the registry's source rows and prints which keys differ, are
missing or are extra (exit code 1 when any projection differs).

Which service mounts what comes from the services' ``ServiceSpec`` (entry-point group
``kim.services``). Database URLs are the services' own settings variables
(``KIM_<SERVICE>_DATABASE_URL``, default the local ``kim_<service>`` database), Kafka is
``KIM_KAFKA_BOOTSTRAP_SERVERS``. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any

import asyncpg

from kim_shared.projections.base import Projection, ReadRows
from kim_shared.projections.check import Comparison, SourceUnavailable, compare, source_of
from kim_shared.projections.rebuild import Rebuilt, rebuild
from kim_shared.settings import ServiceSettings, database_url_of

SHOWN_KEYS = 20
"""Keys listed per kind of difference; the rest are counted."""

DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


def angka(n: int) -> str:
    """Indonesian thousands separator: 91599 → "91.599"."""
    return f"{n:,}".replace(",", ".")


def mounted() -> dict[str, tuple[Projection, ...]]:
    """Service name → the projections it mounts (services that mount none are left out)."""
    specs = [ep.load() for ep in sorted(entry_points(group="kim.services"), key=lambda e: e.name)]
    return {spec.name: tuple(spec.projections) for spec in specs if spec.projections}


# -- rebuild ----------------------------------------------------------------------------------


class _UsageError(Exception):
    """A service or projection the command cannot work on (exit code 2)."""


def _find(services: Mapping[str, Sequence[Projection]], service: str, name: str) -> Projection:
    if service not in services:
        raise _UsageError(
            f"Layanan '{service}' tidak memasang proyeksi apa pun. "
            f"Layanan yang memasang proyeksi: {', '.join(services) or '-'}."
        )
    for projection in services[service]:
        if projection.name == name:
            return projection
    names = ", ".join(p.name for p in services[service])
    raise _UsageError(
        f"Layanan {service} tidak memasang proyeksi '{name}' (yang dipasang: {names})."
    )


async def _rebuild_in(dsn: str, projection: Projection, bootstrap: str) -> Rebuilt:
    conn = await asyncpg.connect(dsn)
    try:
        return await rebuild(conn, projection, bootstrap)
    finally:
        await conn.close()


def _rebuild(args: argparse.Namespace) -> int:
    service, name = str(args.service), str(args.projection)
    try:
        projection = _find(mounted(), service, name)
    except _UsageError as exc:
        print(exc)
        return 2
    dsn = str(args.database_url or database_url_of(service))
    bootstrap = str(args.bootstrap or ServiceSettings().kafka_bootstrap_servers)
    topics = ", ".join(t.name for t in projection.topics)
    try:
        done = asyncio.run(_rebuild_in(dsn, projection, bootstrap))
    except asyncpg.UndefinedTableError:
        print(
            f"Tabel proyeksi {name} belum ada di basis data layanan {service}: jalankan "
            "layanannya sekali agar migrasinya diterapkan, lalu ulangi."
        )
        return 1
    except DB_ERRORS as exc:
        print(f"Basis data layanan {service} tidak dapat dipakai: {exc}")
        return 1
    print(
        f"{service}/{name}: dikosongkan lalu diisi ulang dari {topics}: "
        f"{angka(done.records)} record dibaca, {angka(done.applied)} event diterapkan, "
        f"{angka(done.skipped)} dilewati; sekarang {angka(done.rows)} baris."
    )
    if done.skipped:
        print(
            "Record yang dilewati bukan event proyeksi ini atau tidak valid (lihat `kim dlq list`)."
        )
    print(
        f"Konsumen {projection.consumer_name(service)} tetap berjalan dan melanjutkan dari "
        f"offset-nya. Periksa: kim projections check --service {service} --projection {name}"
    )
    return 0


# -- check ------------------------------------------------------------------------------------


def _keys(label: str, keys: tuple[str, ...]) -> str:
    shown = ", ".join(keys[:SHOWN_KEYS]) or "-"
    more = f" … dan {angka(len(keys) - SHOWN_KEYS)} lainnya" if len(keys) > SHOWN_KEYS else ""
    return f"    {label:<8} ({angka(len(keys))}): {shown}{more}"


def _report(service: str, name: str, c: Comparison) -> str:
    head = f"{service}/{name}: {angka(c.projected_count)} baris, hash {c.projected_digest[:12]}"
    if c.equal:
        return f"{head} — sama dengan registry."
    return "\n".join(
        [
            f"{head} — BERBEDA dari registry ({angka(c.source_count)} baris, "
            f"hash {c.source_digest[:12]}):",
            _keys("berbeda", c.differing),
            _keys("hilang", c.missing),
            _keys("berlebih", c.extra),
        ]
    )


async def _read_rows(dsn: str, readers: Mapping[str, ReadRows]) -> dict[str, Mapping[str, object]]:
    conn = await asyncpg.connect(dsn)
    try:
        return {name: await read(conn) for name, read in readers.items()}
    finally:
        await conn.close()


def _check(args: argparse.Namespace) -> int:
    services = mounted()
    unknown = sorted(set(args.service or ()) - set(services))
    if unknown:
        print(
            f"Layanan tanpa proyeksi: {', '.join(unknown)} (yang memasang: {', '.join(services)})."
        )
        return 2
    chosen = {s: ps for s, ps in services.items() if not args.service or s in args.service}
    wanted = {
        p.name: p
        for ps in chosen.values()
        for p in ps
        if not args.projection or p.name in args.projection
    }
    if not wanted:
        print(f"Tidak ada proyeksi bernama {', '.join(args.projection)} di layanan yang dipilih.")
        return 2
    try:
        readers = {name: source_of(name) for name in wanted}
    except SourceUnavailable as exc:
        print(f"Sumber proyeksi {exc} tidak terpasang (paket registry diperlukan untuk memeriksa).")
        return 2
    registry_dsn = str(args.registry_database_url or database_url_of("registry"))
    try:
        sources = asyncio.run(_read_rows(registry_dsn, readers))
    except DB_ERRORS as exc:
        print(f"Basis data registry tidak dapat dibaca: {exc}")
        return 1
    differing = 0
    for service, projections in chosen.items():
        mine = {p.name: p.rows for p in projections if p.name in wanted}
        try:
            rows = asyncio.run(_read_rows(database_url_of(service), mine))
        except DB_ERRORS as exc:
            print(f"{service}: basis data tidak dapat dibaca: {exc}")
            differing += len(mine)
            continue
        for name, projected in rows.items():
            comparison = compare(sources[name], projected)
            print(_report(service, name, comparison))
            differing += not comparison.equal
    if differing:
        print(
            f"{differing} proyeksi berbeda dari registry. Bangun ulang dengan "
            "`kim projections rebuild <layanan> <proyeksi>` (atau tunggu bila konsumennya "
            "masih mengejar)."
        )
        return 1
    print("Semua proyeksi sama dengan sumbernya di registry.")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "projections", help="Bangun ulang dan periksa proyeksi wilayah dan KIM di tiap layanan."
    )
    actions = parser.add_subparsers(dest="projections_command", metavar="AKSI", required=True)

    p = actions.add_parser(
        "rebuild",
        help="Kosongkan satu proyeksi sebuah layanan dan isi ulang dari topik state-nya "
        "(layanan boleh tetap berjalan).",
    )
    p.add_argument("service", help="Layanan, mis. content.")
    p.add_argument("projection", help="Proyeksi: regions atau kim.")
    p.add_argument("--database-url", help="DSN basis data layanan (default: dari pengaturannya).")
    p.add_argument("--bootstrap", help="Alamat Kafka (default: KIM_KAFKA_BOOTSTRAP_SERVERS).")
    p.set_defaults(func=_rebuild)

    c = actions.add_parser(
        "check",
        help="Bandingkan hash isi tiap proyeksi dengan baris sumbernya di registry; "
        "kode keluar 1 bila ada yang berbeda.",
    )
    c.add_argument("--service", action="append", help="Hanya layanan ini (boleh berulang).")
    c.add_argument("--projection", action="append", help="Hanya proyeksi ini (boleh berulang).")
    c.add_argument(
        "--registry-database-url", help="DSN basis data registry (default: dari pengaturannya)."
    )
    c.set_defaults(func=_check)
