"""Every record a journey puts on the public topics is a valid CloudEvent of its topic, its
``data`` matches the committed JSON Schema, and it carries no personal data
(``kim_devstack.topic_audit``).

The journey: the registry forms a KIM whose officers have names, NIKs and phones, activates
it; a member writes an article that content screens and a moderator publishes; a pelaku UMKM
with a name, a WhatsApp number and an address registers a business assisted by the KIM, and
its product goes live through content's listing moderation. Then every record those three
services put on the catalogue topics (and their dead-letter topics) is audited.

The auditor's own checks are shown to fail on planted records first, without the broker.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import TopicPartition

from kim_content.articles import publication, steps
from kim_devstack.testing import Running, bearer, eventually, running_services
from kim_devstack.topic_audit import RecordAuditor, audit_topics, end_offsets
from kim_registry.regions.importer import import_regions
from kim_shared.events.envelope import CONTENT_TYPE
from kim_shared.events.types.registry import KimStateChanged, RosterEntry
from kim_shared.outbox.store import EventSource, envelope
from kim_shared.projections.kim import get_kim
from kim_shared.service import Runtime

PONOROGO = "35.02"
TUGUREJO = "35.02.01.2001"
WITHIN = 90.0

OFFICERS = (  # position, name, NIK, phone
    ("ketua", "Sutrisno Wibowo", "3502011201850001", "081234560001"),
    ("sekretaris", "Dewi Anggraini", "3502015203900002", "085678900002"),
    ("bendahara", "Rahayu Lestari", "3502016501880003", "087812340003"),
)
SELLER_OWNER = "Sri Wahyuningsih"
SELLER_PHONE = "0812-3456-7890"
SELLER_ADDRESS = "Jl. Raya Slahung No. 17 RT 02 RW 01"
FORBIDDEN = [
    *(s for _, name, nik, phone in OFFICERS for s in (name, nik, phone)),
    SELLER_OWNER,
    SELLER_PHONE,
    "081234567890",  # the same WhatsApp number as typed digits and normalised
    "6281234567890",
    SELLER_ADDRESS,
]
KIM_STATE = "kim.registry.kim_state.v1"
HEADERS = [("content-type", CONTENT_TYPE.encode())]


# --- the auditor, on planted records (no broker) -----------------------------------------


def _kim_state(**overrides: Any) -> KimStateChanged:
    fields: dict[str, Any] = {
        "kim_id": uuid.uuid4(),
        "revision": 1,
        "name": "KIM Tugu Media",
        "status": "aktif",
        "village_code": TUGUREJO,
        "kecamatan_code": "35.02.01",
        "kabupaten_code": PONOROGO,
        "roster": [
            RosterEntry(
                member_id=uuid.uuid4(),
                position="ketua",
                user_subject="user-ketua",
                term_start=date(2024, 1, 1),
            )
        ],
        "changed_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return KimStateChanged(**fields)


def _record(event: KimStateChanged) -> tuple[bytes, bytes]:
    ce = envelope(event, EventSource("registry", PONOROGO))
    return ce.subject.encode(), ce.to_bytes()


def _edit(value: bytes, **changes: Any) -> bytes:
    obj = json.loads(value)
    for path, new in changes.items():
        *parents, last = path.split("__")
        target = obj
        for part in parents:
            target = target[part]
        target[last] = new
    return json.dumps(obj).encode()


def test_a_record_as_the_platform_publishes_it_passes() -> None:
    key, value = _record(_kim_state())
    assert RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"data__status": "bubar"}, "does not match kim.registry.kim_state.changed.v1.json"),
        ({"data__kim_id": "bukan-uuid"}, "does not match"),
        ({"id": "42"}, "not the platform's CloudEvent profile"),
        ({"specversion": "0.3"}, "not the platform's CloudEvent profile"),
        ({"source": "/kim/content"}, "source /kim/content did not publish"),
        ({"type": "kim.registry.kim.formed.v1"}, "belongs on kim.registry.kim.v1"),
        ({"type": "kim.registry.kim.vanished.v1"}, "not in the event catalogue"),
        ({"data__name": "Sutrisno Wibowo"}, "forbidden string 'Sutrisno Wibowo'"),
        ({"data__roster": [{"nik": "3502011201850009"}]}, "personal data (NIK"),
        ({"data__village_code": "hubungi 0812 9988 7766"}, "personal data (PHONE"),
        ({"subject": "9e1c0b6e-5a51-4c35-9a0e-3f1f4f1d2a10"}, "is not data.kim_id"),
    ],
)
def test_the_auditor_finds_what_is_wrong(change: dict[str, Any], expected: str) -> None:
    key, value = _record(_kim_state())
    found = RecordAuditor(FORBIDDEN).check(KIM_STATE, key, _edit(value, **change), HEADERS)
    assert any(expected in problem for problem in found), found


def test_the_auditor_checks_the_record_around_the_envelope() -> None:
    auditor = RecordAuditor(FORBIDDEN)
    key, value = _record(_kim_state())
    assert auditor.check(KIM_STATE, key, value, []) == [
        f"content-type header is not {CONTENT_TYPE}"
    ]
    assert any("is not the subject" in p for p in auditor.check(KIM_STATE, b"x", value, HEADERS))
    assert any("tombstone" in p for p in auditor.check(KIM_STATE, key, None, HEADERS))
    assert any("CloudEvents SDK" in p for p in auditor.check(KIM_STATE, key, b"{}", HEADERS))
    not_an_event = b"NIK 3502011201850009, WA 0812 9988 7766"
    found = auditor.check(KIM_STATE, key, not_an_event, HEADERS)
    assert {p.split(",")[0] for p in found if p.startswith("personal data")} == {
        "personal data (NIK",
        "personal data (PHONE",
    }
    leak = [*HEADERS, ("traceparent", b"3502011201850001")]
    assert any("forbidden" in p for p in auditor.check(KIM_STATE, key, value, leak))
    dead = [("kim-dlq-consumer", b"content.projection.kim"), ("kim-dlq-error", b"boom")]
    assert auditor.check(f"{KIM_STATE}.dlq", key, value, dead) == [
        "dead letter of content.projection.kim: boom"
    ]


def test_a_person_s_name_in_a_public_name_field_is_still_found_by_exact_match() -> None:
    """``name`` may hold a NAME match (a KIM's name), but never a name the journey typed."""
    key, value = _record(_kim_state(name="KIM Bu Sri"))
    assert RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS) == []
    key, value = _record(_kim_state(name="KIM Dewi Anggraini"))
    assert RecordAuditor().check(KIM_STATE, key, value, HEADERS) == []
    found = RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS)
    assert found == ["contains the forbidden string 'Dewi Anggraini'"]


# --- the journey on the real broker -------------------------------------------------------


@pytest.fixture
async def since(kafka_bootstrap: str) -> dict[TopicPartition, int]:
    """Where every public topic ends before the services start: the audit reads from here."""
    return await end_offsets(kafka_bootstrap)


@pytest.fixture
async def services(
    since: dict[TopicPartition, int], pg_server: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[dict[str, Running]]:
    async with running_services(
        pg_server, kafka_bootstrap, tmp_path / "keys", "registry", "content", "marketplace"
    ) as out:
        yield out


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _drained(*runtimes: Runtime) -> None:
    """Wait until every service's relay has published every event it staged."""

    async def empty() -> bool:
        for runtime in runtimes:
            async with runtime.pool.acquire() as conn:
                if await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
                    return False
        return True

    await eventually(empty, within=WITHIN, what="every outbox drained")


@pytest.mark.integration
async def test_a_journey_leaves_only_valid_events_without_personal_data(
    services, since: dict[TopicPartition, int], kafka_bootstrap: str
) -> None:
    registry_http, registry = services["registry"]
    content_http, content = services["content"]
    market_http, market = services["marketplace"]
    await import_regions(registry.pool, PONOROGO, registry.source)
    op = bearer(registry.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo")

    kim = _ok(
        await registry_http.post(
            "/kim", json={"name": "KIM Tugu Media", "village_code": TUGUREJO}, headers=op
        )
    )
    kim_id = uuid.UUID(kim["id"])
    for position, name, nik, phone in OFFICERS:
        _ok(
            await registry_http.post(
                f"/kim/{kim_id}/members",
                json={
                    "full_name": name,
                    "nik": nik,
                    "phone": phone,
                    "position": position,
                    "term_start": "2024-01-01",
                    "user_subject": f"user-{position}",
                },
                headers=op,
            )
        )
    _ok(await registry_http.post(f"/kim/{kim_id}/status", json={"to": "aktif"}, headers=op))

    for runtime in (content, market):

        async def aktif(runtime: Runtime = runtime) -> bool:
            async with runtime.pool.acquire() as conn:
                found = await get_kim(conn, kim_id)
                return found is not None and found.state.status == "aktif"

        await eventually(aktif, within=WITHIN, what="the aktif KIM in content and marketplace")

    # an article, screened and published by a moderator
    writer = bearer(content.settings, "pengelola_kim", region=PONOROGO, sub="user-sekretaris")
    article = _ok(
        await content_http.post(
            "/articles",
            json={
                "kim_id": str(kim_id),
                "title": "Festival reog mini di Desa Tugurejo",
                "body": "Anak-anak sanggar menampilkan reog mini di balai desa pada Minggu pagi.",
                "category": "kegiatan_desa",
                "village_code": TUGUREJO,
            },
            headers=writer,
        )
    )
    submitted = _ok(await content_http.post(f"/articles/{article['id']}/submit", headers=writer))
    assert submitted["status"] == "diskominfo_review"
    async with content.pool.acquire() as conn, conn.transaction():
        await publication.decide(
            conn,
            content.source,
            uuid.UUID(article["id"]),
            approve=True,
            reason_code=None,
            feedback=None,
            actor=steps.Actor("mod-1", "moderator"),
            now=datetime.now(UTC),
        )

    # a seller assisted by the KIM, and a product that goes live through content
    owner = bearer(market.settings, "pelaku_umkm", region=PONOROGO, sub="bu-sri")
    seller = _ok(
        await market_http.post(
            "/sellers",
            json={
                "business_name": "Sambel Pecel Bu Sri",
                "owner_name": SELLER_OWNER,
                "village_code": TUGUREJO,
                "address": SELLER_ADDRESS,
                "whatsapp": SELLER_PHONE,
                "business_category": "makanan_minuman",
                "nib": "1234567890123",
                "kim_id": str(kim_id),
            },
            headers=owner,
        )
    )
    product = _ok(
        await market_http.post(
            f"/sellers/{seller['id']}/products",
            json={
                "name": "Sambel Pecel Khas Ponorogo",
                "description": "Sambel pecel dari kacang tanah pilihan, pedas sedang.",
                "category": "makanan",
                "price_rupiah": 25000,
                "unit": "pack",
                "stock": 40,
                "photo_urls": ["https://pasar.ponorogo.go.id/foto/sambel-pecel.jpg"],
                "weight_grams": 250,
            },
            headers=owner,
        )
    )
    _ok(await market_http.post(f"/products/{product['id']}/submit", headers=owner))

    async def live() -> bool:
        got = _ok(await market_http.get(f"/products/{product['id']}", headers=owner))
        return bool(got["status"] == "live")

    await eventually(live, within=WITHIN, what="the product live after content's screening")
    await _drained(registry, content, market)

    report = await audit_topics(kafka_bootstrap, RecordAuditor(FORBIDDEN), since=since)
    assert report.findings == [], report.summary()
    # the audit saw the journey: every topic it wrote, every kind of event
    assert {
        "kim.registry.region.v1",
        KIM_STATE,
        "kim.registry.kim.v1",
        "kim.content.article.v1",
        "kim.content.article_state.v1",
        "kim.content.moderation.v1",
        "kim.marketplace.seller.v1",
        "kim.marketplace.seller_state.v1",
        "kim.marketplace.listing.v1",
        "kim.marketplace.listing_state.v1",
    } <= set(report.records), report.records
    assert report.types["kim.registry.kim.member_joined.v1"] == len(OFFICERS)
    assert report.types["kim.content.article.published.v1"] == 1
    assert report.types["kim.marketplace.listing.published.v1"] == 1
