"""Pure rules of coverage: percent, target choice, goal and gap."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from kim_registry.coverage.domain import Count, Target, applicable, area, percent, resolve

TODAY = date(2026, 11, 29)
KEC = [
    Count("35.02.01", villages=22, kelurahan=0, covered=3),
    Count("35.02.02", villages=10, kelurahan=2, covered=0),
    Count("35.02.03", villages=5, kelurahan=5, covered=1),
]


def target(
    region: str, due: date, villages: int | None, per_kecamatan: bool = False, created: int = 0
) -> Target:
    return Target(
        id=uuid.uuid4(),
        region_code=region,
        label="target",
        due_on=due,
        villages_target=villages,
        per_kecamatan=per_kecamatan,
        created_at=datetime(2026, 1, 1, 0, created, tzinfo=UTC),
    )


def test_percent_is_rounded_half_up_to_one_decimal() -> None:
    assert [percent(5, 307), percent(1, 8), percent(0, 0), percent(22, 22)] == [
        1.6,
        12.5,
        0.0,
        100.0,
    ]


def test_the_soonest_upcoming_target_applies_else_the_latest() -> None:
    past, later, soon = (
        target("35.02", date(2022, 12, 31), 21),
        target("35.02", date(2030, 12, 31), None),
        target("35.02", date(2027, 6, 30), 100),
    )
    assert applicable([past, later, soon], TODAY) is soon
    assert applicable([past, target("35.02", date(2021, 1, 1), 1)], TODAY) is past
    assert applicable([], TODAY) is None
    same_day_newer = target("35.02", date(2027, 6, 30), 50, created=5)
    assert applicable([soon, same_day_newer], TODAY) is same_day_newer


def test_plain_and_per_kecamatan_goals_and_gaps() -> None:
    every = resolve(target("35.02", date(2030, 1, 1), None), KEC)
    assert (every.goal, every.gap) == (37, 33)
    some = resolve(target("35.02", date(2030, 1, 1), 3), KEC)
    assert (some.goal, some.gap) == (3, 0)  # never below zero
    one_each = resolve(target("35.02", date(2030, 1, 1), 1, per_kecamatan=True), KEC)
    assert (one_each.goal, one_each.gap) == (3, 1)  # only 35.02.02 is empty


def test_area_picks_own_or_inherited_per_kecamatan_targets() -> None:
    targets = [
        target("35", date(2027, 1, 1), 1, per_kecamatan=True),
        target("35.02", date(2030, 1, 1), None),
        target("35.02.01", date(2022, 1, 1), 30),  # past, but the only one of its own
    ]
    kab = area("35.02", KEC, targets, TODAY)
    assert (kab.villages, kab.kelurahan, kab.covered, kab.percent) == (37, 7, 4, 10.8)
    assert (kab.kecamatan, kab.kecamatan_covered) == (3, 2)
    assert kab.target is not None
    assert kab.target.target.region_code == "35"  # the province's, due sooner
    assert (kab.target.goal, kab.target.gap) == (3, 1)
    kec = area("35.02.01", KEC[:1], targets, TODAY)
    assert kec.target is not None
    assert kec.target.target.region_code == "35"
    no_province = [t for t in targets if t.region_code != "35"]
    kec = area("35.02.01", KEC[:1], no_province, TODAY)
    assert kec.target is not None
    assert (kec.target.goal, kec.target.gap) == (30, 27)  # the plain kabupaten one is not inherited
    assert area("35.02.02", KEC[1:2], no_province, TODAY).target is None
