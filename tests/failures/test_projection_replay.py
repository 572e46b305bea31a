"""Every projection of every service reset and replayed from the state topics (``kim
projections rebuild``), after the other failure tests have thrown kills, restarts and
outages at them: the content hashes are the same before and after, and ``kim projections
check`` finds each equal to the registry's source rows."""

from __future__ import annotations

import asyncio

import pytest

from kim_shared.cli import main
from kim_shared.projections import PROJECTIONS
from kim_shared.projections.check import content_digest
from tests.failures.support import PROJECTING, Platform

pytestmark = pytest.mark.integration


async def _digests(platform: Platform) -> dict[tuple[str, str], tuple[int, str]]:
    out = {}
    for service in PROJECTING:
        pool = await platform.pool(service)
        async with pool.acquire() as conn:
            for projection in PROJECTIONS:
                rows = await projection.rows(conn)
                out[service, projection.name] = (len(rows), content_digest(rows))
    return out


async def test_every_projection_replayed_from_its_state_topic_has_the_same_hash(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIM_KAFKA_BOOTSTRAP_SERVERS", platform.bootstrap)
    for service, dsn in platform.fleet.databases.items():
        monkeypatch.setenv(f"KIM_{service.upper()}_DATABASE_URL", dsn)
    await platform.settled()
    assert await asyncio.to_thread(main, ["projections", "check"]) == 0, capsys.readouterr().out
    before = await _digests(platform)

    for service, projection in before:
        code = await asyncio.to_thread(main, ["projections", "rebuild", service, projection])
        assert code == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    after = await _digests(platform)

    assert after == before
    assert out.count("dikosongkan lalu diisi ulang") == len(before)
    assert await asyncio.to_thread(main, ["projections", "check"]) == 0, capsys.readouterr().out
    with capsys.disabled():
        print(
            f"\n=== {len(before)} projections emptied and replayed from their state topics: "
            + "; ".join(f"{s}/{p} {n} rows {h[:12]}" for (s, p), (n, h) in sorted(after.items()))
            + " — hashes equal before and after, and equal to the registry"
        )
