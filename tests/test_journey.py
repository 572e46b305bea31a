"""The whole journey (issue 11) against the test stack: the four services with their real
lifespans on fresh databases and the real broker, driven through their public APIs by the
same steps as ``make demo`` (``kim_devstack.demo``)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from kim_devstack.demo.client import Platform
from kim_devstack.demo.journey import Journey
from kim_devstack.testing import bearer, running_services

pytestmark = pytest.mark.integration


async def test_the_whole_journey(pg_server: str, kafka_bootstrap: str, tmp_path: Path) -> None:
    said: list[str] = []
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

    assert said[-1] == "Perjalanan selesai: semua langkah berhasil."
    assert [s.split(".")[0] for s in said[:-1]] == [str(n) for n in range(1, 18)]
    assert {"kim_id", "article_id", "seller_id", "order_id", "training_id"} <= set(created)
