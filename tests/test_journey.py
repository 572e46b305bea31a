"""The whole journey (issue 11) against the test stack: the four services with their real
lifespans on fresh databases and the real broker, driven through their public APIs by the
same steps as ``make demo`` (``kim_devstack.demo``). Afterwards every record the journey put
on any topic is audited: a valid CloudEvent, valid against its JSON Schema, no personal data
(``lokal.samaran.detect_pii`` plus the exact NIKs, phone numbers and names it typed), and no
dead letter."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from kim_devstack.demo.client import Platform
from kim_devstack.demo.journey import Journey
from kim_devstack.testing import running_services
from kim_devstack.tokens import bearer
from kim_devstack.topic_audit import RecordAuditor, audit_topics, end_offsets

pytestmark = pytest.mark.integration


async def test_the_whole_journey(pg_server: str, kafka_bootstrap: str, tmp_path: Path) -> None:
    said: list[str] = []
    since = await end_offsets(kafka_bootstrap)
    async with running_services(
        pg_server,
        kafka_bootstrap,
        tmp_path / "keys",
        "registry",
        "content",
        "marketplace",
        "mentoring",
    ) as services:
        (registry, reg_runtime) = services["registry"]
        platform = Platform(
            registry=registry,
            content=services["content"][0],
            marketplace=services["marketplace"][0],
            mentoring=services["mentoring"][0],
            token=functools.partial(bearer, reg_runtime.settings),
            say=said.append,
        )
        created = await Journey(platform, seed=7).run()

    print("\n".join(said))  # shown with -s: the demo's own words
    assert said[-1] == "Perjalanan selesai: semua langkah berhasil."
    assert [s.split(".")[0] for s in said[:-1]] == [str(n) for n in range(1, 18)]
    assert {"kim_id", "article_id", "seller_id", "order_id", "training_id"} <= set(created)

    assert len(platform.personal) >= 10  # four NIKs and names, phones, the buyer, the owner
    report = await audit_topics(kafka_bootstrap, RecordAuditor(platform.personal), since=since)
    assert report.findings == [], report.summary()
    assert {
        "kim.registry.kim_state.v1",
        "kim.registry.evaluation.v1",
        "kim.content.article.v1",
        "kim.content.moderation.v1",
        "kim.marketplace.listing.v1",
        "kim.marketplace.order.v1",
        "kim.mentoring.request.v1",
        "kim.mentoring.training.v1",
    } <= set(report.records), report.records
