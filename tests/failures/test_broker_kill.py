"""Kafka killed (SIGKILL) in the middle of a stream of API writes across services, then
restarted on its data: writes keep succeeding during the outage (the outbox holds them), and
every acknowledged write reaches every consumer exactly once in effect, in order per key."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.failures.support import Load, Platform, kim_stages, listing_stages, tell, wait_clean

pytestmark = pytest.mark.integration

BEFORE_S, OUTAGE_S, AFTER_S = 4.0, 12.0, 4.0


async def test_a_killed_broker_loses_no_acknowledged_write(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        load = Load(platform, client)
        load.start()
        await asyncio.sleep(BEFORE_S)
        await asyncio.to_thread(platform.kafka_node.kill)
        acked_before_outage = len(load.kims) + len(load.listings)
        await asyncio.sleep(OUTAGE_S)
        during_outage = len(load.kims) + len(load.listings) - acked_before_outage
        await asyncio.to_thread(platform.kafka_node.start)
        await asyncio.sleep(AFTER_S)
        await load.stop()

    assert load.failures == [], load.failures[:5]
    assert during_outage > 0, "no write was acknowledged while Kafka was down"
    await platform.settled()
    kims = await wait_clean(platform, lambda: kim_stages(platform, load), what="KIM")
    listings = await wait_clean(
        platform, lambda: listing_stages(platform, load.listings), what="listings"
    )
    tell(
        f"Kafka SIGKILLed for {OUTAGE_S:.0f} s, restarted: {during_outage} writes "
        "acknowledged during the outage",
        kims,
        listings,
    )
    assert kims.clean, str(kims)
    assert listings.clean, str(listings)
