"""``kill -9`` a service process while it consumes and while its relay publishes; restart it:
one effect per event.

Why killing repeatedly mid-stream covers the window "after the database commit, before the
offset commit": a consumer commits a batch's offsets only after every record of it is
settled, and each record's effect commits with its inbox row. A SIGKILL at any moment while
records are being applied therefore leaves records whose effect (and inbox row) committed
but whose offset did not; the restarted process receives them again and must skip them. The
test cannot time the kill between the two commits, so it kills three times in the middle of
a stream and counts the redelivered records the inbox skipped (``kim_consumer_events``
outcome ``duplicate``, scraped before each kill): more than zero means the window was hit.
For the relay the window is "broker acknowledged, row not yet marked sent": the rows are
published again, so the topic may hold a record twice (counted, allowed), while every
consumer must apply each event once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.invariants import History, Seen, check
from kim_devstack.testing import eventually, publish_events
from kim_registry.regions.importer import import_regions
from kim_shared.events.topics import REGISTRY_REGION
from kim_shared.events.types.marketplace import ListingSubmitted
from kim_shared.outbox import EventSource
from kim_shared.projections import REGIONS
from kim_shared.projections.check import compare, source_of
from tests.failures.support import (
    PONOROGO,
    PROJECTING,
    WITHIN,
    Platform,
    listing_stages,
    tell,
    topic_events,
)

pytestmark = pytest.mark.integration

KILLS = 3
LISTINGS = 1000
PROVINCE = "35"  # Jawa Timur: about 9,000 regions beyond Ponorogo's


async def duplicates_skipped(client: httpx.AsyncClient, url: str, group: str) -> int:
    """Redelivered records this process's inbox skipped (since it started)."""
    text = (await client.get(f"{url}/metrics")).text
    return int(
        sum(
            s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "kim_consumer_events_total"
            and s.labels.get("group") == group
            and s.labels.get("outcome") == "duplicate"
        )
    )


async def kill_mid_stream(
    platform: Platform,
    service: str,
    progress: Callable[[], Awaitable[int]],
    total: int,
    *,
    feed: Callable[[int], Awaitable[None]] | None = None,
    before_kill: Callable[[], Awaitable[None]] | None = None,
    after_restart: Callable[[], Awaitable[None]] | None = None,
) -> list[int]:
    """SIGKILL ``service`` :data:`KILLS` times, each once ``progress`` has moved on by a
    fortieth of ``total`` since the last restart (so every kill lands while work is under way);
    restart it each time. ``feed(k)``, when given, starts phase ``k``'s share of the work (so
    the stream cannot be finished before the last kill). Returns the progress at each kill."""
    at_kill: list[int] = []
    step = max(total // 40, 1)
    for phase in range(KILLS):
        start = await progress()
        if feed is not None:
            await feed(phase)
        target = min(start + step, total - 1)

        async def moved(t: int = target) -> bool:
            return await progress() >= t

        await eventually(moved, within=WITHIN, what=f"{service} working")
        if before_kill is not None:
            await before_kill()
        await asyncio.to_thread(platform.fleet.kill, service)
        at_kill.append(await progress())
        await asyncio.to_thread(platform.fleet.restart, service)
        assert at_kill[-1] < total, f"{service} finished before it could be killed"
        if after_restart is not None:
            await after_restart()
    return at_kill


def _listing(i: int) -> ListingSubmitted:
    return ListingSubmitted(
        listing_id=uuid.uuid4(),
        revision=1,
        seller_id=uuid.uuid4(),
        village_code="35.02.01.2001",
        kabupaten_code=PONOROGO,
        title=f"Tempe Kripik Uji {i}",
        description="Tempe kripik renyah dari kedelai lokal, digoreng dengan minyak baru.",
        price_rupiah=12000,
        submitted_at=datetime.now(UTC),
    )


async def test_a_consumer_killed_mid_stream_applies_each_event_once(platform: Platform) -> None:
    """content's per-event consumer (screen a listing, stage a decision) killed three times
    while it works through a stream of submitted listings."""
    events = [_listing(i) for i in range(LISTINGS)]
    ours = [str(e.listing_id) for e in events]
    history = History()
    for listing in ours:
        history.ack(listing, listing)  # the broker acknowledged each (send_and_wait)
    group = "content.listing-moderation"
    skipped: list[int] = []

    async def screened() -> int:
        rows = await platform.fetch(
            "content",
            "SELECT count(*) AS n FROM screenings WHERE subject_id = ANY($1::uuid[])",
            ours,
        )
        return int(rows[0]["n"])

    async with httpx.AsyncClient(timeout=30) as client:

        async def scrape() -> None:
            skipped.append(await duplicates_skipped(client, platform.url("content"), group))

        async def no_duplicate_effect_so_far() -> None:
            report = await listing_stages(platform, history, through=("content",))
            twice = [s for s in report.stages if s.duplicated and not s.duplicates_allowed]
            assert not twice, str(report)

        # the stream in KILLS + 1 shares, one released per kill phase and the last after the
        # last restart: content cannot have screened everything before it is killed
        share = -(-LISTINGS // (KILLS + 1))
        shares = [events[i : i + share] for i in range(0, LISTINGS, share)]
        publishing: list[asyncio.Task[None]] = []

        async def feed(phase: int) -> None:
            if publishing:
                await publishing[-1]  # shares go out in order
            release = publish_events(platform.bootstrap, "marketplace", shares[phase])
            publishing.append(asyncio.create_task(release))

        at_kill = await kill_mid_stream(
            platform,
            "content",
            screened,
            LISTINGS,
            feed=feed,
            before_kill=scrape,
            after_restart=no_duplicate_effect_so_far,
        )
        await asyncio.gather(*publishing)
        await publish_events(platform.bootstrap, "marketplace", shares[KILLS])

        async def all_screened() -> bool:
            return await screened() >= LISTINGS

        await eventually(all_screened, within=WITHIN, what="every listing screened")
        await platform.settled()
        await scrape()

    report = await listing_stages(platform, history, through=("content",))
    tell(
        f"content SIGKILLed {KILLS} times while consuming {LISTINGS} listings (killed at "
        f"{at_kill} screened); redelivered records its inbox skipped: {sum(skipped[1:])} "
        f"(per restart {skipped[1:]})",
        report,
    )
    assert report.clean, str(report)


async def test_a_relay_killed_mid_backlog_publishes_each_event_and_it_is_applied_once(
    platform: Platform,
) -> None:
    """The registry killed three times while its relay publishes a province's regions."""
    registry = await platform.pool("registry")
    mark = int(await registry.fetchval("SELECT coalesce(max(id), 0) FROM outbox"))
    await import_regions(registry, PROVINCE, EventSource("registry"))
    rows = await registry.fetch(
        "SELECT event_id::text AS id, key FROM outbox WHERE topic = $1 AND id > $2 ORDER BY id",
        REGISTRY_REGION.name,
        mark,
    )
    history = History()
    for r in rows:
        history.ack(r["key"], r["id"])  # committed by the import: acknowledged
    total = len(history)

    async def sent() -> int:
        n: int = await registry.fetchval(
            "SELECT count(*) FROM outbox WHERE id > $1 AND sent_at IS NOT NULL", mark
        )
        return n

    at_kill = await kill_mid_stream(platform, "registry", sent, total)
    await platform.settled()
    ids = history.ops()
    key_of = {w.op: w.key for w in history.writes}
    topic = [
        Seen(key, str(ce["id"]))
        for key, ce in await topic_events(platform.bootstrap, REGISTRY_REGION.name)
        if ce.get("id") in ids
    ]
    async with registry.acquire() as conn:
        source = await source_of("regions")(conn)
    stages: dict[str, list[Seen]] = {}
    digests = []
    for service in PROJECTING:
        consumer = f"{service}.projection.regions"

        async def applied(s: str = service, c: str = consumer) -> bool:
            return len(await _inbox(platform, s, c, ids)) >= total

        await eventually(applied, within=WITHIN, what=f"{consumer} caught up")
        inbox = await _inbox(platform, service, consumer, ids)
        stages[consumer] = [Seen(key_of[i], i) for i in inbox]
        pool = await platform.pool(service)
        async with pool.acquire() as conn:
            comparison = compare(source, await REGIONS.rows(conn))
        digests.append((service, comparison))
    report = check(history, stages, topics={REGISTRY_REGION.name: topic}, unordered=stages)
    copies = report.stage(REGISTRY_REGION.name).copies
    equal = "; ".join(f"{s}: {c.projected_count} rows, equal: {c.equal}" for s, c in digests)
    tell(
        f"registry SIGKILLed {KILLS} times while its relay published {total} region events "
        f"(killed at {at_kill} sent); copies on the topic: {copies}; region projections "
        f"against the registry: {equal}",
        report,
    )
    assert report.clean, str(report)
    for service, comparison in digests:
        assert comparison.equal, (service, comparison.missing[:5], comparison.differing[:5])


async def _inbox(platform: Platform, service: str, consumer: str, ids: set[str]) -> list[str]:
    rows = await platform.fetch(
        service,
        "SELECT event_id::text AS id FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        consumer,
        list(ids),
    )
    return [r["id"] for r in rows]
