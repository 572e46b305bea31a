"""Two instances of every service on the same database (two relays, consumer groups of two),
one of each stopped in the middle of a stream of writes (SIGTERM for registry and content,
SIGKILL for marketplace and mentoring): no write lost, no effect duplicated, order per
aggregate kept (on the topics, and in every projection's final state)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.services import SERVICE_NAMES
from tests.failures.support import Load, Platform, kim_stages, listing_stages, tell, wait_clean

pytestmark = pytest.mark.integration

BEFORE_S, AFTER_S = 6.0, 8.0
TERMINATED = ("registry", "content")  # SIGTERM: a pod stopped by Kubernetes
KILLED = ("marketplace", "mentoring")  # SIGKILL: a node lost


async def test_one_of_two_instances_stopped_mid_stream_loses_and_repeats_nothing(
    platform: Platform,
) -> None:
    fleet = platform.fleet
    serving: dict[str, list[int]] = {s: [1, 2] for s in SERVICE_NAMES}
    try:
        await asyncio.to_thread(_second_instances, platform)
        async with httpx.AsyncClient(timeout=30) as client:
            load = Load(platform, client, instances=lambda s: serving[s])
            load.start()
            await asyncio.sleep(BEFORE_S)
            acked_before = len(load.kims) + len(load.listings)
            processed = {
                (s, n): await processed_by(client, platform.url(s, n))
                for s in SERVICE_NAMES
                for n in (1, 2)
            }
            for service in SERVICE_NAMES:
                serving[service] = [2]  # the load balancer drops the endpoint …
            await asyncio.gather(  # … as the pod goes (requests in flight may be cut)
                *(asyncio.to_thread(fleet.terminate, s) for s in TERMINATED),
                *(asyncio.to_thread(fleet.kill, s) for s in KILLED),
            )
            await asyncio.sleep(AFTER_S)
            await load.stop()
        acked_after = len(load.kims) + len(load.listings) - acked_before
        assert load.failures == [], load.failures[:5]
        assert acked_after > 0
        await platform.settled()
        kims = await wait_clean(platform, lambda: kim_stages(platform, load), what="KIM")
        listings = await wait_clean(
            platform, lambda: listing_stages(platform, load.listings), what="listings"
        )
    finally:
        for service in SERVICE_NAMES:
            if not fleet.instance(service, 1).alive():
                await asyncio.to_thread(fleet.restart, service, 1)
            await asyncio.to_thread(fleet.terminate, service, 2)
    tell(
        f"two instances of each service; instance 1 of {', '.join(TERMINATED)} SIGTERMed and "
        f"of {', '.join(KILLED)} SIGKILLed after {acked_before} acknowledged writes; "
        f"{acked_after} more acknowledged afterwards, {load.indeterminate} answers cut; "
        "records each instance had applied before the stop: "
        + ", ".join(f"{s}#{n} {c}" for (s, n), c in processed.items()),
        kims,
        listings,
    )
    assert kims.clean, str(kims)
    assert listings.clean, str(listings)
    # the groups of two shared the partitions: both content instances applied records
    assert processed["content", 1] > 0
    assert processed["content", 2] > 0


def _second_instances(platform: Platform) -> None:
    started = [platform.fleet.launch(s, 2) for s in SERVICE_NAMES]
    for proc in started:
        proc.wait_ready(120)


async def processed_by(client: httpx.AsyncClient, url: str) -> int:
    """Records this instance's consumers applied (all groups)."""
    text = (await client.get(f"{url}/metrics")).text
    return int(
        sum(
            s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "kim_consumer_events_total" and s.labels.get("outcome") == "processed"
        )
    )
