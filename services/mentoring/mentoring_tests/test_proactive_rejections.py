"""The rejected-articles rule from real ArticleRejected events: N rejections of one KIM
within the window open one system help request for the skill the reasons call for; the
same rejections never open a second one (duplicate delivery, replay under new ids)."""

from __future__ import annotations

import pytest

from kim_shared.events.topics import CONTENT_ARTICLE

from .proactive_support import firings, publish, publish_same_id_twice, rejected, settled
from .support import PONOROGO, TUGUREJO, count, outbox_payloads

pytestmark = pytest.mark.integration


async def test_three_rejections_in_the_window_open_one_system_request(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    kim = await registry.kim(TUGUREJO, {"ani": "ketua", "eko": "anggota"})
    old = rejected(kim.kim_id, "kualitas", days_ago=45)  # outside the 30-day window
    first = rejected(kim.kim_id, "anak", days_ago=10)
    second = rejected(kim.kim_id, "kualitas", days_ago=5)
    withdrawn = rejected(kim.kim_id, "permintaan_kim", days_ago=4)  # does not count
    await publish(kafka_bootstrap, "content", old, first, second, withdrawn)
    await settled(runtime, CONTENT_ARTICLE)
    assert await firings(runtime, "rejected_articles") == []

    third = rejected(kim.kim_id, "anak", days_ago=1)
    await publish_same_id_twice(kafka_bootstrap, "content", third)
    await publish(kafka_bootstrap, "content", first, third)  # replays under new event ids
    await settled(runtime, CONTENT_ARTICLE)

    [firing] = await firings(runtime, "rejected_articles")
    assert await count(runtime, "help_requests") == 1
    assert await count(runtime, "proactive_rejections") == 5
    async with runtime.pool.acquire() as conn:
        used = await conn.fetchval(
            "SELECT count(*) FROM proactive_rejections WHERE firing_id = $1", firing["id"]
        )
    assert used == 3  # the two "anak" and the recent "kualitas"; not the old one

    operator = auth("operator_kabupaten", region=PONOROGO)
    request = (await http.get(f"/help-requests/{firing['request_id']}", headers=operator)).json()
    assert (request["origin"], request["rule"]) == ("system", "rejected_articles")
    assert request["skill"] == "fotografi"  # two of three were pictures of children
    assert "3 artikel" in request["description"]
    [opened] = [
        p["data"]
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.mentoring.request.opened.v1"
    ]
    assert (opened["origin"], opened["rule"], opened["skill"]) == (
        "system",
        "rejected_articles",
        "fotografi",
    )
    # The KIM sees the request its rejections opened.
    eko = auth("anggota_kim", sub="eko", region=PONOROGO)
    assert (
        await http.get(f"/help-requests/{firing['request_id']}", headers=eko)
    ).status_code == 200

    # Used rejections do not count again: two new ones are not enough, a third new one is.
    await publish(
        kafka_bootstrap,
        "content",
        rejected(kim.kim_id, "hoaks"),
        rejected(kim.kim_id, "hoaks"),
    )
    await settled(runtime, CONTENT_ARTICLE)
    assert len(await firings(runtime, "rejected_articles")) == 1
    await publish(kafka_bootstrap, "content", rejected(kim.kim_id, "spam"))
    await settled(runtime, CONTENT_ARTICLE)
    assert len(await firings(runtime, "rejected_articles")) == 2
    assert await count(runtime, "help_requests") == 2
