"""Benchmark (not a test): the marketplace's public catalogue over 100,000 products.

    uv run python bench/catalogue_search.py [--products 100000] [--requests 50]
        [--port-base 38000] [--out bench/results/catalogue_search.md]

What it does, in one run:

1. starts its own PostgreSQL (and Kafka, unused) in ``.local/bench-catalogue`` (wiped
   each time; ports from ``--port-base`` or ``KIM_BENCH_PORT_BASE``, default 38000:
   PostgreSQL +42, Kafka +94/+95), or uses ``KIM_POSTGRES_URL``; creates a new database
   (dropped at the end) and applies the marketplace's migrations;
2. seeds ``--products`` products (COPY into a staging table, then one ``INSERT … SELECT``
   computing ``to_tsvector('simple', …)`` of the Sastrawi-stemmed text, exactly what the
   listing hook stores) for 5,000 sellers in 38 kabupaten of Jawa Timur: 95 % live,
   names drawn from Ponorogo-style words, 1 % of them "keripik tempe"; NIB verified for
   70 % of the sellers and a valid halal certificate for 30 %; then ``ANALYZE``;
3. times each case ``--requests`` times (after 5 warm-up calls) through the real query
   functions (``kim_marketplace.catalogue.queries``: the statement plus typed rows) and,
   as the baseline, the same statement with the same arguments through plain asyncpg
   ``fetch``; prints and writes p50/p95 with the machine description.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from kim_devstack.stack import Ports, Stack, create_database, with_database
from kim_marketplace.catalogue import queries
from kim_marketplace.catalogue.queries import Filters, NewestCursor, RelevanceCursor
from kim_marketplace.main import SPEC
from kim_shared.db.migrations import apply_migrations
from kim_shared.search_text import (
    any_word_query,
    name_query,
    stem_document,
    stem_query,
)

FOODS = [
    ("Keripik Tempe", "makanan"),
    ("Keripik Singkong", "makanan"),
    ("Sambel Pecel", "makanan"),
    ("Jenang Ketan", "oleh_oleh"),
    ("Dodol Nangka", "oleh_oleh"),
    ("Sate Ayam Bumbu", "makanan"),
    ("Tempe Mendoan", "makanan"),
    ("Kopi Bubuk Robusta", "minuman"),
    ("Wedang Jahe Instan", "minuman"),
    ("Madu Hutan", "pertanian"),
    ("Beras Organik", "pertanian"),
    ("Lele Asap", "perikanan"),
]
CRAFTS = [
    ("Reog Miniatur", "kerajinan"),
    ("Topeng Bujang Ganong", "kerajinan"),
    ("Anyaman Bambu", "kerajinan"),
    ("Batik Tulis", "batik_tenun"),
    ("Batik Cap", "batik_tenun"),
    ("Kaos Sablon Reog", "fashion"),
    ("Tas Rajut", "fashion"),
]
ADJECTIVES = [
    "Khas Ponorogo",
    "Super",
    "Pedas",
    "Manis",
    "Renyah",
    "Asli",
    "Premium",
    "Original",
    "Spesial",
    "Ukuran Besar",
    "Motif Merak",
    "Rasa Balado",
    "Ekonomis",
    "Oleh-oleh",
]
DESCRIPTIONS = [
    "Dibuat oleh pelaku UMKM desa dengan bahan pilihan, dikemas rapi.",
    "Produk unggulan desa, cocok untuk oleh-oleh dan hadiah.",
    "Tanpa pengawet, tahan lama, dikirim dari Ponorogo.",
    "Kerajinan tangan pengrajin lokal, setiap barang unik.",
    "Pesanan dalam jumlah besar dilayani, hubungi penjual.",
]
KABUPATEN = [f"35.{n:02d}" for n in range(1, 30)] + [f"35.{n:02d}" for n in range(71, 80)]
PAGE = 20


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    for _ in range(min(5, n)):
        await call()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


async def seed(conn: asyncpg.Connection, n: int, rng: random.Random) -> None:
    t0 = time.perf_counter()
    start = datetime(2025, 12, 1, tzinfo=UTC)
    sellers: list[tuple[Any, ...]] = []
    licences: list[tuple[Any, ...]] = []
    for i in range(5000):
        kab = rng.choice(KABUPATEN)
        kec = f"{kab}.{rng.randint(1, 20):02d}"
        village = f"{kec}.{2000 + rng.randint(1, 15):04d}"
        sid = uuid.uuid4()
        sellers.append(
            (
                sid,
                f"owner-{i}",
                f"UMKM {i}",
                "Pemilik",
                village,
                kec,
                kab,
                "Jl. Desa",
                "+6281200000000",
                "makanan_minuman",
                start,
                start,
            )
        )
        nib = "terverifikasi" if rng.random() < 0.7 else "belum_diverifikasi"
        licences.append((sid, "nib", "1234567890123", None, nib))
        if rng.random() < 0.3:
            licences.append(
                (sid, "halal", "ID35", start.date() + timedelta(days=900), "terverifikasi")
            )
    await conn.copy_records_to_table(
        "sellers",
        records=sellers,
        columns=[
            "id",
            "owner_subject",
            "business_name",
            "owner_name",
            "village_code",
            "kecamatan_code",
            "kabupaten_code",
            "address",
            "whatsapp",
            "business_category",
            "created_at",
            "updated_at",
        ],
    )
    await conn.copy_records_to_table(
        "seller_licences",
        records=licences,
        columns=["seller_id", "document", "number", "expires_on", "status"],
    )
    await conn.execute(
        "CREATE TEMP TABLE stage (id uuid, seller_id uuid, name text, description text,"
        " category text, price_rupiah bigint, status text, published_at timestamptz,"
        " doc text)"
    )
    rows = []
    for i in range(n):
        base, category = (
            ("Keripik Tempe", "makanan")
            if i % 100 == 0
            else rng.choice(FOODS if rng.random() < 0.6 else CRAFTS)
        )
        name = f"{base} {rng.choice(ADJECTIVES)}"
        description = rng.choice(DESCRIPTIONS)
        live = rng.random() < 0.95
        published = start + timedelta(seconds=rng.randint(0, 365 * 86400)) if live else None
        rows.append(
            (
                uuid.uuid4(),
                sellers[rng.randrange(len(sellers))][0],
                name,
                description,
                category,
                rng.randrange(5, 500) * 1000,
                "live" if live else "draft",
                published,
                stem_document(name, description, category.replace("_", " ")),
            )
        )
    await conn.copy_records_to_table("stage", records=rows)
    await conn.execute(
        "INSERT INTO products (id, seller_id, name, description, category, price_rupiah,"
        " unit, stock, status, revision, live_revision, published_at, created_at, updated_at,"
        " search_document, search_name)"
        " SELECT id, seller_id, name, description, category, price_rupiah, 'pcs', 10, status,"
        " 1, CASE WHEN status = 'live' THEN 1 END, published_at, now(), now(),"
        " CASE WHEN status = 'live' THEN to_tsvector('simple', doc) END,"
        " CASE WHEN status = 'live' THEN lower(name) END"
        " FROM stage"
    )
    await conn.execute("ANALYZE")
    print(f"seeded {n:,} products for 5,000 sellers in {time.perf_counter() - t0:.1f} s")


def bare(
    conn: asyncpg.Connection, sql: str, values: tuple[Any, ...]
) -> Callable[[], Awaitable[object]]:
    async def call() -> object:
        return await conn.fetch(sql, *values)

    return call


def search_args(q: str) -> dict[str, Any]:
    return {
        "all_words": stem_query(q),
        "any_word": any_word_query(q),
        "name_query": name_query(q, 200),
    }


async def measure(args: argparse.Namespace, dsn: str) -> list[tuple[str, float, float, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(conn, SPEC.name, SPEC.migrations, mounted=SPEC.mounted_migrations)
        await seed(conn, args.products, random.Random(args.seed))
        every = Filters()
        ponorogo = Filters(region="35.02")
        deep_at = await conn.fetchrow(
            "SELECT published_at, id FROM products WHERE status = 'live'"
            " ORDER BY published_at DESC, id DESC OFFSET $1 LIMIT 1",
            args.deep_page * PAGE - 1,
        )
        assert deep_at is not None
        deep = NewestCursor(deep_at["published_at"], deep_at["id"])
        kt = search_args("keripik tempe")
        hits = await queries.search_live(conn, every, **kt, after=None, limit=5 * PAGE)
        relevance = RelevanceCursor(hits[-1].score or 0.0, hits[-1].id)

        def listing(f: Filters, after: NewestCursor | None) -> tuple[Any, ...]:
            return (
                *f.values(),
                after.published_at if after else None,
                after.id if after else None,
                PAGE,
            )

        def searching(
            f: Filters, s: dict[str, Any], after: RelevanceCursor | None
        ) -> tuple[Any, ...]:
            return (
                *f.values(),
                s["all_words"],
                s["any_word"],
                s["name_query"],
                after.score if after else None,
                after.id if after else None,
                PAGE,
            )

        cases: list[tuple[str, Callable[[], Awaitable[object]], str, tuple[Any, ...]]] = [
            (
                "first page, newest first",
                lambda: queries.list_live(conn, every, after=None, limit=PAGE),
                queries.LIST_LIVE,
                listing(every, None),
            ),
            (
                f"deep keyset page ({args.deep_page}th)",
                lambda: queries.list_live(conn, every, after=deep, limit=PAGE),
                queries.LIST_LIVE,
                listing(every, deep),
            ),
            (
                "kabupaten 35.02, first page",
                lambda: queries.list_live(conn, ponorogo, after=None, limit=PAGE),
                queries.LIST_LIVE,
                listing(ponorogo, None),
            ),
            (
                "kabupaten 35.02 + verified + halal",
                lambda: queries.list_live(
                    conn,
                    Filters(region="35.02", verified=True, halal=True),
                    after=None,
                    limit=PAGE,
                ),
                queries.LIST_LIVE,
                listing(Filters(region="35.02", verified=True, halal=True), None),
            ),
            (
                'search "keripik tempe", first page',
                lambda: queries.search_live(conn, every, **kt, after=None, limit=PAGE),
                queries.SEARCH_LIVE,
                searching(every, kt, None),
            ),
            (
                'search "keripik tempe", 6th page',
                lambda: queries.search_live(conn, every, **kt, after=relevance, limit=PAGE),
                queries.SEARCH_LIVE,
                searching(every, kt, relevance),
            ),
            (
                'search "keripik tempe" in 35.02',
                lambda: queries.search_live(conn, ponorogo, **kt, after=None, limit=PAGE),
                queries.SEARCH_LIVE,
                searching(ponorogo, kt, None),
            ),
            (
                'search "sambal pecel" (misspelt)',
                lambda: queries.search_live(
                    conn, every, **search_args("sambal pecel"), after=None, limit=PAGE
                ),
                queries.SEARCH_LIVE,
                searching(every, search_args("sambal pecel"), None),
            ),
        ]
        results = []
        print(f"{args.requests} timed calls each (after 5 warm-up calls), page size {PAGE}:\n")
        for label, call, sql, values in cases:
            q50, q95 = await timed(args.requests, call)
            b50, b95 = await timed(args.requests, bare(conn, sql, values))
            plan = await conn.fetch("EXPLAIN " + sql, *values)
            indexes = sorted(
                {
                    word
                    for r in plan
                    for word in str(r[0]).replace("(", " ").split()
                    if word.startswith(("products_", "sellers_", "seller_licences_"))
                }
            )
            note = ", ".join(indexes) or "-"
            print(
                f"{label:<40} query fn p50 {q50:7.2f} p95 {q95:7.2f} ms | "
                f"bare p50 {b50:7.2f} p95 {b95:7.2f} ms | {note}"
            )
            results.append((label, q50, q95, f"{b50:.2f}|{b95:.2f}|{note}"))
        version = await conn.fetchval("SHOW server_version")
        results.append(("postgres", 0.0, 0.0, str(version)))
        return results
    finally:
        await conn.close()


def machine() -> list[str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPUs: {os.cpu_count()} x {model}",
        f"- load average (1, 5, 15 min) at the end: {load}",
        f"- Python {platform.python_version()}, asyncpg {asyncpg.__version__},"
        f" {platform.system()} {platform.release()}",
    ]


def write(
    path: Path, args: argparse.Namespace, results: list[tuple[str, float, float, str]]
) -> None:
    version = next(r[3] for r in results if r[0] == "postgres")
    lines = [
        "# Catalogue search benchmark",
        "",
        f"`uv run python bench/catalogue_search.py --products {args.products}"
        f" --requests {args.requests}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"{args.products:,} products (95 % live) of 5,000 sellers in 38 kabupaten/kota;"
        f" page size {PAGE}; {args.requests} timed calls per case after 5 warm-up calls, one"
        " connection. *query fn* = `kim_marketplace.catalogue.queries` (statement + typed"
        " rows); *bare* = the same statement and arguments through plain asyncpg `fetch`."
        " Index = what `EXPLAIN` names.",
        "",
        "| case | query fn p50 | p95 | bare p50 | p95 | indexes in the plan |",
        "|---|---|---|---|---|---|",
    ]
    for label, q50, q95, rest in results:
        if label == "postgres":
            continue
        b50, b95, note = rest.split("|", 2)
        lines.append(f"| {label} | {q50:.2f} ms | {q95:.2f} ms | {b50} ms | {b95} ms | {note} |")
    lines += ["", "Machine:", "", *machine(), f"- PostgreSQL {version}", ""]
    path.write_text("\n".join(lines))
    print(f"\nwritten {path}")


async def run(args: argparse.Namespace, stack: Stack) -> None:
    name = f"bench_catalogue_{uuid.uuid4().hex[:8]}"
    dsn = await create_database(stack.postgres_url, name)
    try:
        results = await measure(args, dsn)
    finally:
        conn = await asyncpg.connect(with_database(stack.postgres_url, "postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    write(Path(args.out), args, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="timed calls per case")
    parser.add_argument("--deep-page", type=int, default=200, help="page of the deep case")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("KIM_BENCH_PORT_BASE", "38000")),
        help="ports of the bench stack: PostgreSQL +42, Kafka +94/+95",
    )
    parser.add_argument("--out", default="bench/results/catalogue_search.md")
    parser.add_argument("--seed", type=int, default=35)
    args = parser.parse_args()
    base = args.port_base
    stack = Stack(
        name="bench-catalogue",
        ports=Ports(kafka=base + 94, kafka_controller=base + 95, postgres=base + 42),
        fresh=True,
    ).start()
    try:
        asyncio.run(run(args, stack))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
