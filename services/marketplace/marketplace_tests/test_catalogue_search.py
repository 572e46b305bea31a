"""The public catalogue: search quality on Ponorogo-style products, filters by region level,
price, verified and halal, only live listings, keyset pages, bad parameters.

Sellers and products are written with SQL and go live through the listing decision handler
(``on_decision``, as the consumer calls it), so the catalogue's index hook runs as in
production; reads go through HTTP without a token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from kim_marketplace.products.consumers import SOURCE
from kim_marketplace.products.handlers import on_decision
from kim_shared.events.types.content import ModerationDecided
from kim_shared.search_text import any_word_query, name_query, stem_query
from kim_shared.service import Runtime

from .support import GOMBANG, MADIUN_DESA, SLAHUNG, TUGUREJO

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Seller:
    business: str
    village: str
    nib: bool = True  # a verified NIB
    halal: str | None = None  # "valid", "expired" or "unverified"


SELLERS = {
    "sri": Seller("Sambel Pecel Bu Sri", TUGUREJO, halal="valid"),
    "jenang": Seller("Jenang Mirah", GOMBANG, halal="expired"),
    "reog": Seller("Sanggar Reog Singo Barong", TUGUREJO, nib=False),
    "batik": Seller("Batik Ponoragan", GOMBANG),
    "madiun": Seller("Pecel Madiun Bu Tin", MADIUN_DESA, halal="unverified"),
}

# (key, seller, name, description, category, price, discount amount, status)
PRODUCTS: list[tuple[str, str, str, str, str, int, int | None, str]] = [
    (
        "sambel",
        "sri",
        "Sambel Pecel Khas Ponorogo",
        "Sambel pecel kacang tanah pilihan, pedas sedang.",
        "makanan",
        25000,
        5000,
        "live",
    ),
    (
        "jenang",
        "jenang",
        "Jenang Ketan Hitam",
        "Jenang manis legit oleh-oleh khas Ponorogo.",
        "oleh_oleh",
        15000,
        None,
        "live",
    ),
    (
        "reog",
        "reog",
        "Reog Miniatur Dadak Merak",
        "Miniatur reog ukuran 40 cm dari bulu merak asli.",
        "kerajinan",
        350000,
        None,
        "live",
    ),
    (
        "batik",
        "batik",
        "Batik Tulis Motif Merak",
        "Kain batik tulis katun primisima motif khas Ponorogo.",
        "batik_tenun",
        450000,
        None,
        "live",
    ),
    (
        "keripik",
        "sri",
        "Keripik Tempe Renyah",
        "Keripik tempe tipis dengan bumbu bawang, renyah dan gurih.",
        "makanan",
        12000,
        None,
        "live",
    ),
    # distractors
    (
        "nasi",
        "madiun",
        "Nasi Pecel Madiun",
        "Nasi dengan sayur dan bumbu kacang, lauk rempeyek.",
        "makanan",
        10000,
        None,
        "live",
    ),
    (
        "singkong",
        "jenang",
        "Keripik Singkong Balado",
        "Keripik singkong pedas manis.",
        "makanan",
        9000,
        None,
        "live",
    ),
    (
        "mendoan",
        "madiun",
        "Tempe Mendoan Beku",
        "Tempe tipis bertepung siap goreng.",
        "makanan",
        18000,
        None,
        "live",
    ),
    (
        "kaos",
        "reog",
        "Kaos Reog Ponorogo",
        "Kaos katun bergambar reog.",
        "fashion",
        85000,
        None,
        "live",
    ),
    (
        "draft",
        "sri",
        "Sambel Pecel Pedas Level 5",
        "Belum dikirim ke moderasi.",
        "makanan",
        27000,
        None,
        "draft",
    ),
    (
        "review",
        "sri",
        "Sambel Pecel Daun Jeruk",
        "Masih ditinjau.",
        "makanan",
        26000,
        None,
        "in_review",
    ),
    (
        "rejected",
        "batik",
        "Batik Cap Keripik Tempe",
        "Ditolak moderasi.",
        "batik_tenun",
        99000,
        None,
        "rejected",
    ),
]


async def _seed(runtime: Runtime) -> dict[str, str]:
    """Sellers, licences and products; the ``live`` ones approved through ``on_decision``.
    Returns product key → id."""
    ids: dict[str, str] = {}
    seller_ids: dict[str, uuid.UUID] = {}
    today = date.today()
    async with runtime.pool.acquire() as conn, conn.transaction():
        for n, (key, s) in enumerate(SELLERS.items()):
            sid = uuid.uuid4()
            seller_ids[key] = sid
            parts = s.village.split(".")
            await conn.execute(
                "INSERT INTO sellers (id, owner_subject, business_name, owner_name,"
                " village_code, kecamatan_code, kabupaten_code, address, whatsapp,"
                " business_category, created_at, updated_at)"
                " VALUES ($1, $2, $3, 'Sri Wahyuni', $4, $5, $6, 'Jl. Rahasia 1',"
                " '+6281234567890', 'makanan_minuman', $7, $7)",
                sid,
                f"owner-{key}",
                s.business,
                s.village,
                ".".join(parts[:3]),
                ".".join(parts[:2]),
                T0 + timedelta(minutes=n),
            )
            await conn.execute(
                "INSERT INTO seller_licences (seller_id, document, number, status)"
                " VALUES ($1, 'nib', '1234567890123', $2)",
                sid,
                "terverifikasi" if s.nib else "belum_diverifikasi",
            )
            if s.halal is not None:
                expires = today - timedelta(days=1) if s.halal == "expired" else date(2030, 1, 1)
                status = "belum_diverifikasi" if s.halal == "unverified" else "terverifikasi"
                await conn.execute(
                    "INSERT INTO seller_licences (seller_id, document, number, expires_on,"
                    " status) VALUES ($1, 'halal', 'ID3511000012345', $2, $3)",
                    sid,
                    expires,
                    status,
                )
        for n, (key, seller, name, desc, cat, price, amount, status) in enumerate(PRODUCTS):
            pid = uuid.uuid4()
            ids[key] = str(pid)
            await conn.execute(
                "INSERT INTO products (id, seller_id, name, description, category,"
                " price_rupiah, unit, discount_kind, discount_value, stock, status,"
                " created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, 'pcs', $7, $8, 10, $9, $10, $10)",
                pid,
                seller_ids[seller],
                name,
                desc,
                cat,
                price,
                "amount" if amount is not None else None,
                amount,
                "in_review" if status in ("live", "rejected") else status,
                T0,
            )
            if status == "in_review":
                continue
            await on_decision(
                conn,
                SOURCE,
                ModerationDecided(
                    subject_type="listing",
                    subject_id=pid,
                    subject_revision=1,
                    kabupaten_code=SELLERS[seller].village[:5],
                    decision="approved" if status == "live" else "rejected",
                    reason_code=None if status == "live" else "spam",
                    automatic=True,
                    decided_at=T0,
                ),
                T0 + timedelta(hours=n),
            )
    return ids


async def _names(http: httpx.AsyncClient, **params: Any) -> list[str]:
    r = await http.get("/catalogue/products", params=params)
    assert r.status_code == 200, r.text
    return [item["name"] for item in r.json()["items"]]


def _key(name: str) -> str:
    return next(p[0] for p in PRODUCTS if p[2] == name)


async def test_search_puts_the_expected_items_first(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await _seed(runtime)
    expected = {
        "sambel pecel": "sambel",
        "sambal pecel": "sambel",  # misspelt
        "jenang": "jenang",
        "reog miniatur": "reog",
        "miniatur reog": "reog",
        "batik": "batik",
        "batik tulis": "batik",
        "keripik tempe": "keripik",
        "kripik tempe": "keripik",  # misspelt
        "keripiknya tempe": "keripik",  # suffix stemmed
        "oleh-oleh": "jenang",
    }
    for q, key in expected.items():
        names = await _names(http, q=q)
        assert names, q
        assert _key(names[0]) == key, (q, names)
    # every word matters more than one: both keripik and tempe distractors rank lower
    names = [_key(n) for n in await _names(http, q="keripik tempe")]
    assert names[0] == "keripik"
    assert set(names[1:]) <= {"singkong", "mendoan"}
    # not live: never found
    for q in ("sambel pecel pedas level", "daun jeruk", "batik cap"):
        keys = {_key(n) for n in await _names(http, q=q)}
        assert not keys & {"draft", "review", "rejected"}, (q, keys)
    # exclusions work
    assert "nasi" not in {_key(n) for n in await _names(http, q="pecel -madiun")}


async def test_filters_and_pages(http: httpx.AsyncClient, runtime: Runtime) -> None:
    ids = await _seed(runtime)
    live = [p for p in PRODUCTS if p[7] == "live"]
    everything = await _names(http, limit=100)
    # newest first, only live listings
    assert [_key(n) for n in everything] == [p[0] for p in reversed(live)]
    # region at every level
    ponorogo = {p[0] for p in live if SELLERS[p[1]].village.startswith("35.02")}
    for region in ("35", "35.02", SLAHUNG):
        assert {_key(n) for n in await _names(http, region=region, limit=100)} == (
            ponorogo if region != "35" else {p[0] for p in live}
        )
    tugurejo = {p[0] for p in live if SELLERS[p[1]].village == TUGUREJO}
    assert {_key(n) for n in await _names(http, region=TUGUREJO, limit=100)} == tugurejo
    assert {_key(n) for n in await _names(http, region="35.19")} == {"nasi", "mendoan"}
    assert await _names(http, region="36") == []
    # category, price paid (the sambel costs 25,000 less 5,000)
    assert {_key(n) for n in await _names(http, category="kerajinan")} == {"reog"}
    cheap = {_key(n) for n in await _names(http, min_price=12000, max_price=20000)}
    assert cheap == {"jenang", "keripik", "mendoan", "sambel"}
    # verified NIB; halal only with a verified certificate that has not expired
    verified = {_key(n) for n in await _names(http, verified="true", limit=100)}
    assert verified == {p[0] for p in live if SELLERS[p[1]].nib}
    halal = {_key(n) for n in await _names(http, halal="true", limit=100)}
    assert halal == {"sambel", "keripik"}
    # filters apply to search too
    assert [_key(n) for n in await _names(http, q="pecel", region="35.19")] == ["nasi"]
    # keyset pages: newest first and by relevance, no item twice, none missing
    cases: list[dict[str, str]] = [{}, {"q": "keripik tempe pecel"}, {"region": "35.02"}]
    for params in cases:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
            r = await http.get("/catalogue/products", params=page)
            assert r.status_code == 200, r.text
            seen += [i["id"] for i in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        full = await http.get("/catalogue/products", params={**params, "limit": 100})
        assert seen == [i["id"] for i in full.json()["items"]], params
    # the public view: business and village, prices written out, badges, no personal data
    r = await http.get(f"/catalogue/products/{ids['sambel']}")
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["business"]["name"] == "Sambel Pecel Bu Sri"
    assert view["business"]["village"]["code"] == TUGUREJO
    assert (view["price_text"], view["final_price_text"]) == ("Rp25.000", "Rp20.000")
    assert view["badges"] == ["halal", "nib"]
    assert "Sri Wahyuni" not in r.text
    assert "6281234567890" not in r.text
    assert "Rahasia" not in r.text
    for key in ("draft", "review", "rejected"):
        r = await http.get(f"/catalogue/products/{ids[key]}")
        assert r.status_code == 404, key
    assert (await http.get(f"/catalogue/products/{uuid.uuid4()}")).status_code == 404


async def test_bad_parameters_and_hostile_queries(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await _seed(runtime)
    bad = [
        {"region": "35.2"},
        {"region": "Ponorogo"},
        {"min_price": "-1"},
        {"min_price": "abc"},
        {"max_price": "1.5"},
        {"min_price": "20000", "max_price": "1000"},
        {"category": "senjata"},
        {"verified": "mungkin"},
        {"limit": "0"},
        {"limit": "101"},
        {"cursor": "bukan-kursor"},
        {"cursor": "!!"},
        {"q": ""},
        {"q": "x" * 201},
    ]
    for params in bad:
        r = await http.get("/catalogue/products", params=params)
        assert r.status_code == 422, (params, r.text)
    # a newest-first cursor is no search cursor, and the other way round
    first = await http.get("/catalogue/products", params={"limit": 1})
    newest = first.json()["next_cursor"]
    r = await http.get("/catalogue/products", params={"q": "pecel", "cursor": newest})
    assert r.status_code == 422
    searched = await http.get("/catalogue/products", params={"q": "keripik", "limit": 1})
    relevance = searched.json()["next_cursor"]
    r = await http.get("/catalogue/products", params={"cursor": relevance})
    assert r.status_code == 422
    assert (await http.get("/catalogue/products/not-a-uuid")).status_code == 422
    for q in ("a & b | !c :*", "!", ":*", "' OR 1=1 --", "(((", '"', "-", "or", "\\", "<->"):
        r = await http.get("/catalogue/products", params={"q": q})
        assert r.status_code == 200, (q, r.text)


def test_queries_are_safe_for_websearch() -> None:
    assert stem_query("a & b | !c :*") == "a b c"
    assert any_word_query("Keripiknya tempe") == "keripik or tempe"
    assert any_word_query('"sambel pecel"') == ""
    assert any_word_query("pecel -madiun") == ""
    assert name_query("Sambal  PECEL", 200) == "sambal pecel"
    assert name_query("pecel -madiun", 200) == ""


async def test_a_new_revision_is_searchable_once_live(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    ids = await _seed(runtime)
    pid = uuid.UUID(ids["jenang"])
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE products SET name = 'Dodol Nangka Manis', status = 'in_review',"
            " revision = 2 WHERE id = $1",
            pid,
        )
    assert "jenang" not in {_key(n) for n in await _names(http, q="jenang") if n in _NAMES}
    assert await _names(http, q="dodol nangka") == []  # in review: not public
    async with runtime.pool.acquire() as conn, conn.transaction():
        await on_decision(
            conn,
            SOURCE,
            ModerationDecided(
                subject_type="listing",
                subject_id=pid,
                subject_revision=2,
                kabupaten_code="35.02",
                decision="approved",
                automatic=False,
                decided_at=T0,
            ),
            T0 + timedelta(days=2),
        )
    assert (await _names(http, q="dodol nangka"))[0] == "Dodol Nangka Manis"
    assert "Dodol Nangka Manis" not in await _names(http, q="jenang ketan")


_NAMES = {p[2] for p in PRODUCTS}
