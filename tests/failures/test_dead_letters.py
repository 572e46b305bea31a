"""A poison event for every consumer of every service goes to its dead-letter topic, with
headers naming where it came from, while the rest flows on; after the fix, ``kim dlq
replay`` applies each exactly once, and replaying it again changes nothing.

The poison: a valid event the consumer's database refuses (a trigger, as a broken row or a
constraint would, raising a data exception: never retried, dead-lettered at once). The fix:
the trigger dropped. Nine consumers: ``registry.activity``, ``content.listing-moderation``,
``marketplace.listing-decisions`` and the regions and KIM projections of content,
marketplace and mentoring.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest

from kim_devstack.invariants import Report, Seen, Write, check, combine
from kim_devstack.testing import eventually
from kim_registry.regions.importer import import_regions
from kim_shared.cli import main
from kim_shared.dlq.service import DeadLetter, list_dead_letters
from kim_shared.events.topics import (
    CONTENT_MODERATION,
    MARKETPLACE_LISTING,
    REGISTRY_KIM_STATE,
    REGISTRY_REGION,
)
from kim_shared.outbox import EventSource
from tests.failures.support import (
    PROJECTING,
    WITHIN,
    Load,
    Platform,
    group_caught_up,
    kim_stages,
    listing_stages,
    ok,
    tell,
)

pytestmark = pytest.mark.integration

POISON_REGION = "34.01.01"  # a kecamatan of Kulon Progo (DIY), imported by this test only
POISON_KIM = "KIM Racun Uji"

_RAISE = """
CREATE OR REPLACE FUNCTION uji_racun() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'uji: baris % ditolak', TG_TABLE_NAME USING ERRCODE = '22023';
END $$
"""


@dataclass(frozen=True)
class Poison:
    service: str
    consumer: str
    table: str
    when: str  # the trigger's condition: the poisoned row only
    topic: str  # where the event comes from

    def matches(self, d: DeadLetter, ops: dict[str, str]) -> bool:
        return d.consumer == self.consumer and d.event_id == ops.get(self.consumer)


async def _exec(platform: Platform, service: str, *sql: str) -> None:
    pool = await platform.pool(service)
    for statement in sql:
        await pool.execute(statement)


async def _submit(client: httpx.AsyncClient, platform: Platform, product_id: str) -> None:
    url = f"{platform.url('marketplace')}/products/{product_id}/submit"
    ok(await client.post(url, headers=platform.owner))


async def _new_product(client: httpx.AsyncClient, platform: Platform, name: str) -> str:
    body = {
        "name": name,
        "description": "Madu hutan asli dari lereng Gunung Wilis, dipanen lestari.",
        "category": "makanan",
        "price_rupiah": 60000,
        "unit": "botol",
        "stock": 20,
        "photo_urls": ["https://pasar.ponorogo.go.id/foto/madu.jpg"],
        "needs_pirt": False,
    }
    url = f"{platform.url('marketplace')}/sellers/{platform.seller_id}/products"
    return str(ok(await client.post(url, json=body, headers=platform.owner))["id"])


async def _event_id(platform: Platform, service: str, key: str, what: str) -> str:
    """The id of the one event ``kim.<service>.<what>.v1`` staged for ``key``."""
    rows = await platform.fetch(
        service,
        "SELECT event_id::text AS id FROM outbox WHERE key = $1 AND event_type = $2",
        key,
        f"kim.{service}.{what}.v1",
    )
    assert len(rows) == 1, rows
    return str(rows[0]["id"])


async def _applied(platform: Platform, service: str, consumer: str, event_id: str) -> int:
    rows = await platform.fetch(
        service,
        "SELECT count(*) AS n FROM inbox WHERE consumer = $1 AND event_id = $2::uuid",
        consumer,
        event_id,
    )
    return int(rows[0]["n"])


async def test_poison_for_every_consumer_is_dead_lettered_and_replayed_once(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        p1 = await _new_product(client, platform, "Madu Hutan Uji Satu")  # content refuses
        p2 = await _new_product(client, platform, "Madu Hutan Uji Dua")  # marketplace refuses
        p3 = await _new_product(client, platform, "Madu Hutan Uji Tiga")  # registry refuses
        poisons = [
            Poison("content", "content.listing-moderation", "listings_under_review",
                   f"NEW.listing_id = '{p1}'", MARKETPLACE_LISTING.name),
            Poison("marketplace", "marketplace.listing-decisions", "products",
                   f"NEW.id = '{p2}' AND NEW.status = 'live'", CONTENT_MODERATION.name),
            Poison("registry", "registry.activity", "kim_activity",
                   f"NEW.source_id = '{p3}'", MARKETPLACE_LISTING.name),
            *(
                Poison(s, f"{s}.projection.kim", "kim_projection",
                       f"NEW.name = '{POISON_KIM}'", REGISTRY_KIM_STATE.name)
                for s in PROJECTING
            ),
            *(
                Poison(s, f"{s}.projection.regions", "region_projection",
                       f"NEW.code = '{POISON_REGION}'", REGISTRY_REGION.name)
                for s in PROJECTING
            ),
        ]  # fmt: skip
        for p in poisons:
            await _exec(
                platform,
                p.service,
                _RAISE,
                f"CREATE TRIGGER uji_racun BEFORE INSERT OR UPDATE ON {p.table} FOR EACH ROW"
                f" WHEN ({p.when}) EXECUTE FUNCTION uji_racun()",
            )
        try:
            # the poisoned writes, then a stream of ordinary ones behind them
            for product in (p1, p2, p3):
                await _submit(client, platform, product)
            kim = ok(
                await client.post(
                    f"{platform.url('registry')}/kim",
                    json={"name": POISON_KIM, "village_code": platform.free_villages.pop()},
                    headers=platform.operator,
                )
            )
            await import_regions(
                await platform.pool("registry"), POISON_REGION, EventSource("registry")
            )
            load = Load(platform, client)
            load.start()
            await asyncio.sleep(4)
            await load.stop()
            assert load.failures == [], load.failures[:5]

            # which event each consumer must refuse
            region_event = await _event_id(platform, "registry", POISON_REGION, "region.changed")
            kim_event = await _event_id(platform, "registry", kim["id"], "kim_state.changed")
            ops = {
                "content.listing-moderation": await _event_id(
                    platform, "marketplace", p1, "listing.submitted"
                ),
                "registry.activity": await _event_id(
                    platform, "marketplace", p3, "listing.published"
                ),
                **{f"{s}.projection.kim": kim_event for s in PROJECTING},
                **{f"{s}.projection.regions": region_event for s in PROJECTING},
            }

            async def p2_decided() -> bool:
                rows = await platform.fetch(
                    "content",
                    "SELECT event_id::text AS id FROM outbox WHERE key = $1 AND topic = $2",
                    p2,
                    CONTENT_MODERATION.name,
                )
                if rows:
                    ops["marketplace.listing-decisions"] = str(rows[0]["id"])
                return bool(rows)

            await eventually(p2_decided, within=WITHIN, what="content's decision on P2")

            letters: dict[str, DeadLetter] = {}

            async def all_dead_lettered() -> bool:
                for topic in {p.topic for p in poisons}:
                    for d in await list_dead_letters(platform.bootstrap, f"{topic}.dlq"):
                        for p in poisons:
                            if p.matches(d, ops):
                                letters[p.consumer] = d
                return len(letters) == len(poisons)

            await eventually(all_dead_lettered, within=WITHIN, what="a dead letter per consumer")
            for p in poisons:
                d = letters[p.consumer]
                assert (d.origin_topic, d.dlq_topic) == (p.topic, f"{p.topic}.dlq")
                assert d.origin_offset >= 0
                assert d.origin_partition >= 0
                assert "uji: baris" in d.error, d.error
                assert not d.replayed
                assert await _applied(platform, p.service, p.consumer, ops[p.consumer]) == 0

            # the rest flowed on past the poison: every ordinary write reached every consumer
            await platform.settled()
            kims = await kim_stages(platform, load)
            listings = await listing_stages(platform, load.listings)
            assert kims.clean, str(kims)
            assert listings.clean, str(listings)
        finally:
            for p in poisons:
                await _exec(platform, p.service, f"DROP TRIGGER IF EXISTS uji_racun ON {p.table}")

        # the fix is in: replay each dead letter (twice: the second must change nothing)
        with capsys.disabled():
            for _ in range(2):
                for topic in sorted({d.dlq_topic for d in letters.values()}):
                    offsets = [str(d.offset) for d in letters.values() if d.dlq_topic == topic]
                    args = ["dlq", "replay", "--topic", topic, "--bootstrap", platform.bootstrap]
                    for offset in offsets:
                        args += ["--offset", offset]
                    assert await asyncio.to_thread(main, args) == 0
                for p in poisons:

                    async def drained(p: Poison = p) -> bool:
                        return await group_caught_up(platform.bootstrap, p.consumer, p.topic)

                    await eventually(drained, within=WITHIN, what=f"{p.consumer} past the replay")

    report = await _once(platform, poisons, ops, (p1, p2, p3))
    tell(
        f"{len(poisons)} consumers each refused one poison event (dead-lettered with origin "
        f"headers) while {len(load.kims)} renames and {len(load.listings)} listings flowed on; "
        "each dead letter replayed twice after the fix",
        report,
        kims,
        listings,
    )
    assert report.clean, str(report)


EFFECTS = {
    "content screenings": (
        "content",
        "SELECT subject_id::text AS id FROM screenings WHERE subject_id = ANY($1::uuid[])",
    ),
    "content decisions staged": (
        "content",
        f"SELECT key AS id FROM outbox WHERE topic = '{CONTENT_MODERATION.name}'"
        " AND key = ANY($1::text[])",
    ),
    "marketplace listings published": (
        "marketplace",
        "SELECT key AS id FROM outbox WHERE key = ANY($1::text[])"
        " AND event_type = 'kim.marketplace.listing.published.v1'",
    ),
    "registry activity": (
        "registry",
        "SELECT source_id::text AS id FROM kim_activity WHERE source_id = ANY($1::uuid[])",
    ),
}
"""Effects of a listing in each service, one row per listing expected."""


async def _once(
    platform: Platform, poisons: list[Poison], ops: dict[str, str], products: tuple[str, ...]
) -> Report:
    """Each consumer applied its poison once, and the listings' effects happened once."""
    reports = []
    for p in poisons:
        op = ops[p.consumer]
        n = await _applied(platform, p.service, p.consumer, op)
        reports.append(
            check([Write(p.consumer, op)], {f"{p.consumer} inbox": [Seen(p.consumer, op)] * n})
        )
    for name, (service, sql) in EFFECTS.items():
        rows = await platform.fetch(service, sql, list(products))
        reports.append(
            check([Write(x, x) for x in products], {name: [Seen(r["id"], r["id"]) for r in rows]})
        )
    for service in PROJECTING:
        for table, key, value in (
            ("kim_projection", "name", POISON_KIM),
            ("region_projection", "code", POISON_REGION),
        ):
            rows = await platform.fetch(
                service, f"SELECT {key} AS k FROM {table} WHERE {key} = $1", value
            )
            seen = [Seen(value, r["k"]) for r in rows]
            reports.append(check([Write(value, value)], {f"{service} {table}": seen}))
    return combine(*reports)
