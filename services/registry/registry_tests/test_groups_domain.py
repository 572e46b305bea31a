"""Pure rules of the groups area (no broker, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from kim_registry.groups import domain
from kim_registry.groups.nik import (
    Person,
    check_person,
    mask_nik,
    nik_region_known,
    normalise_phone,
)
from kim_shared.errors import Conflict, Invalid
from kim_shared.events.types.registry import KimStatus

TODAY = date(2026, 6, 15)
ALLOWED = {
    ("calon", "aktif"),
    ("calon", "dibubarkan"),
    ("aktif", "tidak_aktif"),
    ("aktif", "dibubarkan"),
    ("tidak_aktif", "aktif"),
    ("tidak_aktif", "dibubarkan"),
}


@pytest.mark.parametrize("current", domain.STATUSES)
@pytest.mark.parametrize("target", domain.STATUSES)
def test_the_transition_table(current: KimStatus, target: KimStatus) -> None:
    if (current, target) in ALLOWED:
        domain.check_transition(current, target, "lainnya")
    else:
        with pytest.raises(Conflict) as caught:
            domain.check_transition(current, target, "lainnya")
        assert caught.value.slug == "invalid-transition"


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_a_reason_code_is_required_exactly_for_dormancy_and_dissolution(
    current: KimStatus, target: KimStatus
) -> None:
    """Every allowed transition: without a code it passes only when the target is neither
    tidak_aktif nor dibubarkan; with a code it always passes."""
    domain.check_transition(current, target, "tidak_ada_kegiatan")
    if target in ("tidak_aktif", "dibubarkan"):
        with pytest.raises(Invalid, match="A reason code is required") as caught:
            domain.check_transition(current, target, None)
        assert caught.value.field == "body.reason_code"
    else:
        domain.check_transition(current, target, None)


def test_activation_gaps_name_what_is_missing() -> None:
    rules = domain.Rules(kabupaten_code="35.02")
    assert domain.activation_gaps(rules, {"ketua", "sekretaris", "bendahara"}, 3) == []
    assert domain.activation_gaps(rules, {"ketua"}, 5) == [
        "no current holder for the required position(s) sekretaris, bendahara"
    ]
    assert domain.activation_gaps(rules, {"ketua", "sekretaris", "bendahara"}, 2) == [
        "it has 2 current member(s) but needs at least 3"
    ]


def test_rules_validation_orders_positions_and_checks_bounds() -> None:
    positions = domain.validate_rules(
        max_kim_per_village=1,
        required_positions=["bendahara", "ketua"],
        min_members=2,
        max_members=10,
        dormant_after_days=30,
    )
    assert positions == ("ketua", "bendahara")
    with pytest.raises(Invalid, match="max_members: must be at least min_members"):
        domain.validate_rules(
            max_kim_per_village=1,
            required_positions=[],
            min_members=5,
            max_members=4,
            dormant_after_days=30,
        )
    with pytest.raises(Invalid) as every:
        domain.validate_rules(
            max_kim_per_village=0,
            required_positions=["anggota"],
            min_members=5,
            max_members=4,
            dormant_after_days=1,
        )
    assert [e.field for e in every.value.errors] == [
        "body.max_kim_per_village",
        "body.required_positions",
        "body.max_members",
        "body.dormant_after_days",
    ]


def test_the_narrowest_region_filter() -> None:
    assert domain.narrowest_region([None, None]) is None
    assert domain.narrowest_region(["35", "35.02", None, "35.02.01"]) == "35.02.01"
    assert domain.narrowest_region(["35.02.01", "35.02"]) == "35.02.01"
    with pytest.raises(domain.EmptyFilter):
        domain.narrowest_region(["35.02", "35.19.01"])
    with pytest.raises(domain.EmptyFilter):
        domain.narrowest_region(["35.02", "35.021"])


def test_leaving_day() -> None:
    start = date(2024, 1, 1)
    assert domain.leaving_day(start, None, TODAY) == TODAY
    assert domain.leaving_day(date(2026, 7, 1), None, TODAY) == date(2026, 7, 1)
    assert domain.leaving_day(start, date(2025, 1, 1), TODAY) == date(2025, 1, 1)
    with pytest.raises(Invalid, match="before the member's term_start"):
        domain.leaving_day(start, date(2023, 12, 31), TODAY)
    with pytest.raises(Invalid, match="future"):
        domain.leaving_day(start, date(2026, 6, 16), TODAY)


def anggota(nik: str) -> Person:
    return check_person(nik, gender=None, birth_year=None, position="anggota", today=TODAY)


def test_check_person_derives_and_compares() -> None:
    woman = check_person(
        "3502 0145 1190 0002", gender=None, birth_year=None, position="ketua", today=TODAY
    )
    assert (woman.nik, woman.gender, woman.birth_year) == ("3502014511900002", "P", 1990)
    with pytest.raises(Invalid, match="gender does not match") as caught:
        check_person("3502014511900002", gender="L", birth_year=None, position="ketua", today=TODAY)
    assert "3502014511900002" not in caught.value.detail
    # Two-digit years: 26 is 2026 on 2026-06-15, so 2026-12-31 is a future birth date.
    with pytest.raises(Invalid, match="in the future"):
        anggota("3502013112260001")
    # 13 years old on the birthday itself, not the day before.
    assert anggota("3502011506130001").birth_year == 2013
    with pytest.raises(Invalid, match="at least 13"):
        anggota("3502011606130001")


def test_masking_and_flags() -> None:
    assert mask_nik("3502011705800001") == "3502********0001"
    assert nik_region_known("3502011705800001") is True
    assert nik_region_known("3502991705800001") is False
    assert normalise_phone("0812-3456-7890") == "+6281234567890"
    with pytest.raises(Invalid):
        normalise_phone("12345")
