"""Pure rules of activity and evaluation (no I/O); dormancy is in :mod:`.dormancy`.

Activity kinds
    One per fact other services publish (:mod:`kim_shared.events.types.activity`).
    ``article_rejected`` is kept for the record but is not a sign of life: a
    moderation refusal is not community output, so it neither resets the dormancy
    clock nor earns evaluation points.

Evaluation
    A period has weighted criteria (weights are whole numbers summing to 100) and
    classification bands. A ``jury`` criterion takes the jury's score (0-100); an
    ``auto`` criterion counts activity facts of the listed kinds inside the period
    and scores ``min(100, 100 * count / target)``. A missing jury score counts as 0
    (and is reported), so one unscored KIM never blocks a kabupaten's
    finalization. The total is the weighted mean, rounded half-up to 2 decimals;
    the band is the first (highest) whose ``min_score`` the total reaches.

The default template follows the public *lomba KIM* criteria (administration and
institution, use of media, the ADINDA activities — Akses, Diskusi, Implementasi,
Networking, Diseminasi, Aspirasi — and support for local UMKM). Which criteria
are measured automatically is our choice: use of media from published articles,
Implementasi from trainings attended and help requests resolved, UMKM support
from listings published and orders completed; the others need a jury. The
automatic targets (24 articles, 6 trainings or resolved requests, 20 listings or
orders) assume a period of about a year; shorter periods should pass their own
criteria. The default bands (``mandiri`` ≥ 85, ``maju`` ≥ 70, ``berkembang`` ≥ 50,
``tumbuh`` below) borrow the growth-stage names used for KIM and village
development; the thresholds are an assumption, and each period may set its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, get_args
from uuid import UUID

from kim_shared.errors import Issue
from kim_shared.events.base import Event
from kim_shared.events.types.activity import (
    ArticlePublished,
    ArticleRejected,
    HelpRequestResolved,
    ListingPublished,
    OrderCompleted,
    TrainingAttended,
)

ActivityKind = Literal[
    "article_published",
    "article_rejected",
    "listing_published",
    "order_completed",
    "training_attended",
    "request_resolved",
]
ACTIVITY_KINDS: tuple[str, ...] = get_args(ActivityKind)
LIFE_SIGNS: frozenset[str] = frozenset(ACTIVITY_KINDS) - {"article_rejected"}
"""Kinds that count as activity for dormancy and evaluation."""


@dataclass(frozen=True)
class ActivityFact:
    """One row of the activity projection. Its key (kind, source, KIM) makes a republished
    fact a no-op; several members at one training are one fact: the KIM attended it."""

    kim_id: UUID
    kind: ActivityKind
    source_id: UUID
    occurred_at: datetime


def activity_fact(event: Event) -> ActivityFact | None:
    """The fact an activity event records; None when it is about no KIM (a listing or an
    order no KIM promotes is not a KIM's activity)."""
    kim_id: UUID | None
    kind: ActivityKind
    match event:
        case ArticlePublished():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "article_published",
                event.article_id,
                event.published_at,
            )
        case ArticleRejected():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "article_rejected",
                event.article_id,
                event.rejected_at,
            )
        case ListingPublished():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "listing_published",
                event.listing_id,
                event.published_at,
            )
        case OrderCompleted():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "order_completed",
                event.order_id,
                event.completed_at,
            )
        case TrainingAttended():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "training_attended",
                event.training_id,
                event.attended_at,
            )
        case HelpRequestResolved():
            kim_id, kind, source_id, at = (
                event.kim_id,
                "request_resolved",
                event.request_id,
                event.resolved_at,
            )
        case _:
            raise TypeError(f"not an activity event: {type(event).__name__}")
    return None if kim_id is None else ActivityFact(kim_id, kind, source_id, at)


Source = Literal["jury", "auto"]
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


# --- criteria and bands ----------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: int
    source: Source
    metrics: tuple[str, ...] = ()
    target: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "weight": self.weight,
            "source": self.source,
            "metrics": list(self.metrics),
            "target": self.target,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Criterion:
        return cls(
            key=obj["key"],
            label=obj["label"],
            weight=int(obj["weight"]),
            source=obj["source"],
            metrics=tuple(obj.get("metrics") or ()),
            target=obj.get("target"),
        )


@dataclass(frozen=True)
class Band:
    band: str
    min_score: float

    def as_json(self) -> dict[str, Any]:
        return {"band": self.band, "min_score": self.min_score}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Band:
        return cls(band=obj["band"], min_score=float(obj["min_score"]))


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "administrasi", "Kelembagaan dan administrasi (SK, pengurus, buku kegiatan)", 15, "jury"
    ),
    Criterion(
        "pemanfaatan_media",
        "Pemanfaatan media: berita desa yang terbit",
        20,
        "auto",
        ("article_published",),
        24,
    ),
    Criterion("adinda_akses", "ADINDA — Akses informasi", 8, "jury"),
    Criterion("adinda_diskusi", "ADINDA — Diskusi", 8, "jury"),
    Criterion(
        "adinda_implementasi",
        "ADINDA — Implementasi: pelatihan diikuti, permintaan bantuan selesai",
        8,
        "auto",
        ("training_attended", "request_resolved"),
        6,
    ),
    Criterion("adinda_networking", "ADINDA — Networking", 8, "jury"),
    Criterion("adinda_diseminasi", "ADINDA — Diseminasi", 8, "jury"),
    Criterion("adinda_aspirasi", "ADINDA — Aspirasi", 8, "jury"),
    Criterion(
        "dukungan_umkm",
        "Dukungan UMKM: produk dipromosikan, pesanan selesai",
        17,
        "auto",
        ("listing_published", "order_completed"),
        20,
    ),
)

DEFAULT_BANDS: tuple[Band, ...] = (
    Band("mandiri", 85),
    Band("maju", 70),
    Band("berkembang", 50),
    Band("tumbuh", 0),
)


def criteria_issues(criteria: Sequence[Criterion]) -> list[Issue]:
    """What is wrong with a criteria list (empty when it is valid)."""
    issues: list[Issue] = []
    if not criteria:
        return [Issue("criteria", "At least one criterion is needed.")]
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        where = f"criteria[{i}]"
        if not KEY_PATTERN.match(c.key):
            issues.append(
                Issue(f"{where}.key", "A key is 2-40 characters: a-z, 0-9 and _, starting a-z.")
            )
        if c.key in seen:
            issues.append(Issue(f"{where}.key", f"The key {c.key!r} is used more than once."))
        seen.add(c.key)
        if not 1 <= c.weight <= 100:
            issues.append(Issue(f"{where}.weight", "A weight is a whole number from 1 to 100."))
        if c.source == "auto":
            if not c.metrics:
                issues.append(
                    Issue(
                        f"{where}.metrics",
                        "An automatic criterion names the activity kinds "
                        f"it counts: {', '.join(sorted(LIFE_SIGNS))}.",
                    )
                )
            unknown = sorted(set(c.metrics) - LIFE_SIGNS)
            if unknown:
                issues.append(
                    Issue(
                        f"{where}.metrics",
                        f"Unknown or unscored activity kinds: "
                        f"{', '.join(unknown)}; use {', '.join(sorted(LIFE_SIGNS))}.",
                    )
                )
            if c.target is None or c.target < 1:
                issues.append(
                    Issue(
                        f"{where}.target",
                        "An automatic criterion needs a target count "
                        "(at least 1) that earns the full 100 points.",
                    )
                )
        elif c.metrics or c.target is not None:
            issues.append(
                Issue(where, "A jury criterion takes no metrics or target: the jury scores it.")
            )
    total = sum(c.weight for c in criteria)
    if total != 100:
        issues.append(Issue("criteria", f"The weights must add up to 100; they add up to {total}."))
    return issues


def band_issues(bands: Sequence[Band]) -> list[Issue]:
    """What is wrong with a band list (empty when it is valid)."""
    if not bands:
        return [Issue("bands", "At least one band is needed.")]
    issues: list[Issue] = []
    seen: set[str] = set()
    for i, b in enumerate(bands):
        where = f"bands[{i}]"
        if not KEY_PATTERN.match(b.band):
            issues.append(Issue(f"{where}.band", "A band name is 2-40 characters: a-z, 0-9 and _."))
        if b.band in seen:
            issues.append(Issue(f"{where}.band", f"The band {b.band!r} is used more than once."))
        seen.add(b.band)
        if not 0 <= b.min_score <= 100:
            issues.append(Issue(f"{where}.min_score", "min_score is between 0 and 100."))
        if i > 0 and b.min_score >= bands[i - 1].min_score:
            issues.append(
                Issue(
                    f"{where}.min_score",
                    "Bands are listed highest first: each min_score "
                    "must be lower than the one before.",
                )
            )
    if bands[-1].min_score != 0:
        issues.append(
            Issue(
                f"bands[{len(bands) - 1}].min_score",
                "The last (lowest) band must start at 0 so that every score gets a band.",
            )
        )
    return issues


def period_issues(starts_on: date, ends_on: date) -> list[Issue]:
    if ends_on < starts_on:
        return [Issue("ends_on", "The period cannot end before it starts.")]
    if (ends_on - starts_on).days > 3 * 366:
        return [Issue("ends_on", "A period is at most three years long.")]
    return []


def jury_score_issues(criteria: Sequence[Criterion], scores: Mapping[str, float]) -> list[Issue]:
    """Scores must name jury criteria of the period and lie in 0-100."""
    by_key = {c.key: c for c in criteria}
    issues: list[Issue] = []
    for key, value in scores.items():
        c = by_key.get(key)
        if c is None:
            jury = ", ".join(k for k, c in by_key.items() if c.source == "jury")
            issues.append(
                Issue(
                    f"scores.{key}",
                    f"The period has no criterion {key!r}; jury criteria: {jury or 'none'}.",
                )
            )
        elif c.source != "jury":
            issues.append(
                Issue(
                    f"scores.{key}",
                    f"{key!r} is measured automatically from activity; the jury does not score it.",
                )
            )
        if not 0 <= value <= 100:
            issues.append(Issue(f"scores.{key}", "A score is between 0 and 100."))
    return issues


# --- scoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    score: float
    band: str
    breakdown: dict[str, float]
    metrics: dict[str, int]
    jury_missing: tuple[str, ...] = field(default=())


def _round2(value: float | Decimal) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def auto_score(criterion: Criterion, counts: Mapping[str, int]) -> float:
    assert criterion.target
    n = sum(counts.get(kind, 0) for kind in criterion.metrics)
    return _round2(min(100.0, 100.0 * n / criterion.target))


def band_for(bands: Sequence[Band], score: float) -> str:
    for b in bands:
        if score >= b.min_score:
            return b.band
    return bands[-1].band


def evaluate(
    criteria: Sequence[Criterion],
    bands: Sequence[Band],
    jury: Mapping[str, float],
    counts: Mapping[str, int],
) -> Result:
    """One KIM's result from its jury scores and its activity counts in the period."""
    breakdown: dict[str, float] = {}
    missing: list[str] = []
    for c in criteria:
        if c.source == "auto":
            breakdown[c.key] = auto_score(c, counts)
        elif c.key in jury:
            breakdown[c.key] = _round2(jury[c.key])
        else:
            breakdown[c.key] = 0.0
            missing.append(c.key)
    total = sum(Decimal(str(breakdown[c.key])) * c.weight for c in criteria) / 100
    score = _round2(total)
    return Result(
        score=score,
        band=band_for(bands, score),
        breakdown=breakdown,
        metrics={kind: counts.get(kind, 0) for kind in sorted(LIFE_SIGNS)},
        jury_missing=tuple(missing),
    )


def ranks(scores: Sequence[float]) -> list[int]:
    """Competition ranking of scores sorted highest first: 90, 80, 80, 70 → 1, 2, 2, 4."""
    out: list[int] = []
    for i, s in enumerate(scores):
        out.append(out[-1] if i and s == scores[i - 1] else i + 1)
    return out
