"""One service's PostgreSQL stopped (immediate: connections cut, like a crash) and started
again under load: that service answers 503 problem+json while it is down and catches up
afterwards; the other services keep writing and consuming meanwhile."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kim_devstack.testing import eventually
from tests.failures.support import Load, Platform, kim_stages, listing_stages, tell, wait_clean

pytestmark = pytest.mark.integration

OUTAGE_S = 8.0


async def _name_in(platform: Platform, service: str, kim_id: str) -> str | None:
    rows = await platform.fetch(
        service, "SELECT name FROM kim_projection WHERE kim_id = $1::uuid", kim_id
    )
    return str(rows[0]["name"]) if rows else None


async def test_a_restarted_database_takes_only_its_service_down_and_it_catches_up(
    platform: Platform,
) -> None:
    mentoring = platform.url("mentoring")
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(f"{mentoring}/trainings")).status_code == 200
        load = Load(platform, client)
        load.start()
        await asyncio.sleep(2)
        await asyncio.to_thread(platform.mentoring_pg.stop, "immediate")
        acked_at_stop = len(load.kims)
        try:
            answers = []
            for _ in range(int(OUTAGE_S / 0.5)):
                r = await client.get(f"{mentoring}/trainings")
                answers.append((r.status_code, r.headers.get("content-type"), r.json()))
                await asyncio.sleep(0.5)
            ready = await client.get(f"{mentoring}/readyz")
            # the other services went on: a rename acknowledged during the outage reached the
            # projections of content and marketplace while mentoring's database was down
            assert len(load.kims) > acked_at_stop, "no KIM write acknowledged during the outage"
            renamed = load.kims.writes[-1]
            for service in ("content", "marketplace"):

                async def caught_up(s: str = service) -> bool:
                    name = await _name_in(platform, s, renamed.key)
                    return name in {w.op for w in load.kims.writes[acked_at_stop:]}

                await eventually(caught_up, within=30, what=f"{service} consuming meanwhile")
        finally:
            await asyncio.to_thread(platform.mentoring_pg.start)
        await asyncio.sleep(3)
        await load.stop()

        assert ready.status_code == 503
        statuses = {status for status, _, _ in answers}
        assert statuses == {503}, answers[:3]
        _, content_type, body = answers[-1]
        assert content_type == "application/problem+json"
        assert body["status"] == 503
        assert body["type"].endswith("service-unavailable"), body

        async def serving_again() -> bool:
            return (await client.get(f"{mentoring}/trainings")).status_code == 200

        await eventually(serving_again, within=60, what="mentoring serving again")

    assert load.failures == [], load.failures[:5]
    await platform.settled()
    kims = await wait_clean(platform, lambda: kim_stages(platform, load), what="KIM")
    listings = await wait_clean(
        platform, lambda: listing_stages(platform, load.listings), what="listings"
    )
    tell(
        f"mentoring's PostgreSQL stopped (immediate) for {OUTAGE_S:.0f} s: {len(answers)} "
        f"reads answered 503 meanwhile, {len(load.kims) - acked_at_stop} KIM writes "
        "acknowledged after the stop",
        kims,
        listings,
    )
    assert kims.clean, str(kims)
    assert listings.clean, str(listings)
