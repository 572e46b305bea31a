"""Pure rules of coverage: which villages count, which target applies, percent and gap.

Counting
    A *village* is an active desa or kelurahan (desa adat included). A village is
    *covered* when at least one KIM there has status ``aktif``; ``calon`` (not yet
    confirmed), ``tidak_aktif`` and ``dibubarkan`` KIM do not count. ``percent`` is
    covered / villages, rounded half-up to one decimal (0.0 without villages).

Targets
    A plain target on a provinsi, kabupaten/kota or kecamatan counts covered
    villages in that region: ``villages_target`` of them, or every village when it
    is null ("every desa and kelurahan"). A ``per_kecamatan`` target on a provinsi
    or kabupaten asks the same of *each* kecamatan below it ("one KIM in every
    kecamatan" is ``villages_target = 1, per_kecamatan = true``); for a larger area
    its goal and gap add up the kecamatan's own (a kecamatan above its goal does not
    make up for an empty one). Plain targets are not inherited downwards.

    Of the targets that apply to a region, the one due soonest on or after today
    applies; when all are past due, the latest one (so an overdue target keeps
    showing until a new one is set). ``gap`` = goal - covered, never below 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from kim_registry.regions.domain import CODE_LENGTH
from kim_shared.auth.principal import region_covers


@dataclass(frozen=True)
class Target:
    id: UUID
    region_code: str
    label: str
    due_on: date
    villages_target: int | None
    per_kecamatan: bool
    created_at: datetime


@dataclass(frozen=True)
class Count:
    """Villages and covered villages of one kecamatan (the unit every total adds up from)."""

    code: str
    villages: int
    kelurahan: int
    covered: int


@dataclass(frozen=True)
class Resolved:
    target: Target
    goal: int
    gap: int


@dataclass(frozen=True)
class Area:
    """A region's totals: villages, coverage and the target that applies."""

    villages: int
    kelurahan: int
    covered: int
    kecamatan: int
    kecamatan_covered: int
    percent: float
    target: Resolved | None


def percent(covered: int, villages: int) -> float:
    if villages <= 0:
        return 0.0
    value = Decimal(100 * covered) / Decimal(villages)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def applicable(targets: Iterable[Target], today: date) -> Target | None:
    """Soonest due on or after ``today``; else the latest. Ties: the most recent target."""
    ts = list(targets)
    upcoming = [t for t in ts if t.due_on >= today]
    if upcoming:
        return min(upcoming, key=lambda t: (t.due_on, -t.created_at.timestamp()))
    if ts:
        return max(ts, key=lambda t: (t.due_on, t.created_at.timestamp()))
    return None


def candidates(code: str, targets: Iterable[Target]) -> list[Target]:
    """Targets that apply to region ``code``: its own plain ones and the per-kecamatan
    targets of the region itself or of an area containing it."""
    return [
        t
        for t in targets
        if (t.region_code == code and not t.per_kecamatan)
        or (t.per_kecamatan and region_covers(t.region_code, code))
    ]


def resolve(target: Target, kecamatan: Sequence[Count]) -> Resolved:
    """Goal and gap of ``target`` over the region made of ``kecamatan``."""
    if target.per_kecamatan:
        n = target.villages_target
        goals = [(k, k.villages if n is None else min(n, k.villages)) for k in kecamatan]
        goal = sum(g for _, g in goals)
        gap = sum(max(g - k.covered, 0) for k, g in goals)
        return Resolved(target, goal, gap)
    villages = sum(k.villages for k in kecamatan)
    covered = sum(k.covered for k in kecamatan)
    goal = target.villages_target if target.villages_target is not None else villages
    return Resolved(target, goal, max(goal - covered, 0))


def area(code: str, kecamatan: Sequence[Count], targets: Iterable[Target], today: date) -> Area:
    """Totals of region ``code`` (a provinsi, kabupaten/kota or kecamatan) from its kecamatan."""
    villages = sum(k.villages for k in kecamatan)
    covered = sum(k.covered for k in kecamatan)
    chosen = applicable(candidates(code, targets), today)
    return Area(
        villages=villages,
        kelurahan=sum(k.kelurahan for k in kecamatan),
        covered=covered,
        kecamatan=len(kecamatan),
        kecamatan_covered=sum(1 for k in kecamatan if k.covered > 0),
        percent=percent(covered, villages),
        target=resolve(chosen, kecamatan) if chosen is not None else None,
    )


def group(kecamatan: Iterable[Count], child_codes: Sequence[str]) -> dict[str, list[Count]]:
    """Kecamatan counts under each child region (a kabupaten's are itself its kecamatan)."""
    out: dict[str, list[Count]] = {c: [] for c in child_codes}
    for k in kecamatan:
        for length in (CODE_LENGTH[2], CODE_LENGTH[3]):  # kabupaten, kecamatan
            bucket = out.get(k.code[:length])
            if bucket is not None:
                bucket.append(k)
                break
    return out
