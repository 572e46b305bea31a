"""Sessions: working days only (weekends, holidays and cuti bersama refused by name), office
hours WIB, and no double-booking of an expert under concurrent scheduling."""

from __future__ import annotations

import asyncio

import pytest

from .support import PONOROGO, count, open_request, put_expert

pytestmark = pytest.mark.integration


async def _requests(http, auth, registry, n: int) -> list[str]:
    await put_expert(http, auth, "ahli", weekly_capacity=10)
    kim = await registry.kim(members={"warga": "anggota"})
    ids = []
    for _ in range(n):
        r = await open_request(http, auth("anggota_kim", sub="warga", region=PONOROGO), kim.kim_id)
        assert r.json()["expert_subject"] == "ahli", r.text
        ids.append(r.json()["id"])
    return ids


async def test_concurrent_overlapping_sessions_one_wins(http, auth, registry, runtime) -> None:
    first, second = await _requests(http, auth, registry, 2)
    expert = auth("pendamping", sub="ahli")
    results = await asyncio.gather(
        http.post(
            f"/help-requests/{first}/sessions",
            json={"starts_at": "2026-07-06T09:00:00+07:00", "duration_minutes": 90},
            headers=expert,
        ),
        http.post(
            f"/help-requests/{second}/sessions",
            json={"starts_at": "2026-07-06T10:00:00+07:00", "duration_minutes": 60},
            headers=expert,
        ),
    )
    assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    assert await count(runtime, "help_sessions") == 1
    # Right after the winner's session (which ever won: 09:00-10:30 or 10:00-11:00) is fine;
    # the request is scheduled and can be closed by the KIM.
    r = await http.post(
        f"/help-requests/{second}/sessions",
        json={"starts_at": "2026-07-06T11:00:00+07:00", "duration_minutes": 60},
        headers=expert,
    )
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/help-requests/{second}/done",
        json={"outcome": "Berita sudah terbit", "rating": 4},
        headers=auth("anggota_kim", sub="warga", region=PONOROGO),
    )
    assert (r.status_code, r.json()["status"]) == (200, "done"), r.text
    # Another expert cannot schedule it.
    r = await http.post(
        f"/help-requests/{first}/sessions",
        json={"starts_at": "2026-07-07T09:00:00+07:00", "duration_minutes": 30},
        headers=auth("pendamping", sub="orang-lain"),
    )
    assert r.status_code == 404, r.text


@pytest.mark.parametrize(
    ("starts_at", "named"),
    [
        ("2026-07-04T09:00:00+07:00", "weekend"),
        ("2026-03-19T09:00:00+07:00", "Hari Suci Nyepi (Tahun Baru Saka 1948)"),
        ("2027-08-17T09:00:00+07:00", "Proklamasi Kemerdekaan"),
        ("2026-03-23T09:00:00+07:00", "Idulfitri 1447 H"),  # cuti bersama
        ("2026-07-06T07:30:00+07:00", "office hours"),
        ("2026-07-06T15:30:00+07:00", "office hours"),
    ],
)
async def test_days_off_and_hours_refused(http, auth, registry, runtime, starts_at, named) -> None:
    (request_id,) = await _requests(http, auth, registry, 1)
    r = await http.post(
        f"/help-requests/{request_id}/sessions",
        json={"starts_at": starts_at, "duration_minutes": 60},
        headers=auth("pendamping", sub="ahli"),
    )
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"], r.text
    assert await count(runtime, "help_sessions") == 0


@pytest.mark.parametrize("duration", [0, -30])
async def test_non_positive_duration_refused(http, auth, registry, runtime, duration) -> None:
    (request_id,) = await _requests(http, auth, registry, 1)
    r = await http.post(
        f"/help-requests/{request_id}/sessions",
        json={"starts_at": "2026-07-06T09:00:00+07:00", "duration_minutes": duration},
        headers=auth("pendamping", sub="ahli"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.duration_minutes"
    assert await count(runtime, "help_sessions") == 0
