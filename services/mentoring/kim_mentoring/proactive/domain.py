"""Pure rules of the proactive mentoring rules (no I/O): the settings of a kabupaten and their
defaults, which rejections make the rejected-articles rule fire, what the lowest band is,
and the texts of the help requests the system opens (Bahasa Indonesia, read by people)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final, get_args
from uuid import UUID

from kim_shared.events.types.content import ReasonCode
from kim_shared.events.types.mentoring import Skill

REASON_CODES: Final[tuple[ReasonCode, ...]] = get_args(ReasonCode)

DEFAULT_SKILL_BY_REASON: Final[Mapping[str, Skill | None]] = {
    "hoaks": "jurnalistik",  # checking facts and sources
    "sara": "jurnalistik",  # balanced, non-inflammatory reporting
    "judi_pinjol": "jurnalistik",  # what may be promoted in a village news item
    "data_pribadi": "jurnalistik",  # privacy: no NIK, phone numbers, addresses
    "anak": "fotografi",  # children in pictures without consent
    "tidak_relevan": "jurnalistik",
    "kualitas": "jurnalistik",
    "spam": "media_sosial",
    "permintaan_kim": None,  # withdrawn at the KIM's own request: no skill is missing
}
"""Which expert skill helps a KIM whose article was rejected for a reason code (one entry
per ``ReasonCode``); ``None``: the rejection does not count towards the rule."""

FALLBACK_SKILL: Final[Skill] = "jurnalistik"
"""The skill for a reason code content adds later, before the kabupaten maps it."""


def _default_skills() -> dict[str, Skill | None]:
    return dict(DEFAULT_SKILL_BY_REASON)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The proactive rules of one kabupaten (the defaults until an operator saves them)."""

    kabupaten_code: str
    onboarding_enabled: bool = True
    onboarding_skill: Skill = "jurnalistik"
    rejections_enabled: bool = True
    rejections_threshold: int = 3
    rejections_window_days: int = 30
    skill_by_reason: Mapping[str, Skill | None] = field(default_factory=_default_skills)
    lowest_band_enabled: bool = True
    lowest_band_skill: Skill = "jurnalistik"
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None

    def skill_for(self, reason_code: str) -> Skill | None:
        """The skill that helps after a rejection for ``reason_code`` (``None``: not counted)."""
        if reason_code in self.skill_by_reason:
            return self.skill_by_reason[reason_code]
        return DEFAULT_SKILL_BY_REASON.get(reason_code, FALLBACK_SKILL)


def skills_with_defaults(given: Mapping[str, Skill | None]) -> dict[str, Skill | None]:
    """Every reason code's skill: the given ones, the defaults for the others."""
    return {**DEFAULT_SKILL_BY_REASON, **given}


# --- rejected articles -----------------------------------------------------------------------


def rejection_key(article_id: UUID, revision: int | None, rejected_at: datetime) -> str:
    """What one rejection is, whatever event id carries it: the article and its revision
    (an article is rejected once per revision), or the time when content sent no revision."""
    if revision is not None:
        return f"{article_id}/r{revision}"
    return f"{article_id}@{rejected_at.isoformat()}"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejection not yet counted towards a firing."""

    rejection_key: str
    reason_code: str
    rejected_at: datetime


@dataclass(frozen=True, slots=True)
class Trigger:
    """The rejections that make the rule fire, and the skill the help is about."""

    rejections: tuple[Rejection, ...]
    skill: Skill

    @property
    def cause_key(self) -> str:
        """The cause of this firing: the set of rejections (each counts once, so a firing is
        never caused twice by the same rejections)."""
        keys = "\n".join(sorted(r.rejection_key for r in self.rejections))
        return "rejections:" + hashlib.sha256(keys.encode()).hexdigest()


def rejections_trigger(settings: RuleSettings, pending: Sequence[Rejection]) -> Trigger | None:
    """The earliest window of ``rejections_window_days`` that holds at least
    ``rejections_threshold`` counted rejections not yet used by a firing, or ``None``.

    The window is measured on the rejections' own times (``rejected_at``), so a late or
    replayed delivery decides the same as a timely one. All counted rejections of the window
    are used; the skill is the one most of them call for (a tie: the latest one's).
    """
    window = timedelta(days=settings.rejections_window_days)
    counted = sorted(
        (r for r in pending if settings.skill_for(r.reason_code) is not None),
        key=lambda r: (r.rejected_at, r.rejection_key),
    )
    for start, first in enumerate(counted):
        inside = [r for r in counted[start:] if r.rejected_at - first.rejected_at <= window]
        if len(inside) >= settings.rejections_threshold:
            skills = [settings.skill_for(r.reason_code) for r in inside]
            tally = Counter(s for s in skills if s is not None)
            top = max(tally.values())
            skill = next(s for s in reversed(skills) if s is not None and tally[s] == top)
            return Trigger(tuple(inside), skill)
    return None


def rejections_description(trigger: Trigger, window_days: int) -> str:
    reasons = Counter(r.reason_code for r in trigger.rejections)
    listed = ", ".join(f"{code} ({n})" for code, n in sorted(reasons.items()))
    return (
        f"Dibuka otomatis oleh sistem: {len(trigger.rejections)} artikel KIM ini ditolak "
        f"moderasi dalam {window_days} hari (alasan: {listed}). Mohon dampingi KIM untuk "
        f"keterampilan {trigger.skill}."
    )


# --- onboarding ------------------------------------------------------------------------------


def onboarding_description(kim_name: str) -> str:
    return (
        f"Dibuka otomatis oleh sistem: {kim_name} baru dibentuk, tetapi belum ada pelatihan "
        "orientasi (onboarding) yang terjadwal di kabupaten ini. Mohon jadwalkan pelatihan "
        "orientasi atau dampingi pengurus KIM baru ini."
    )


# --- lowest band -----------------------------------------------------------------------------


def in_lowest_band(band: str, bands: Sequence[str]) -> bool:
    """Whether ``band`` is the last of ``bands`` (highest first). With fewer than two bands
    the band ranks nothing, and no plan is made."""
    return len(bands) >= 2 and band == bands[-1]


def plan_description(
    band: str, score: float, skill: Skill, training: tuple[str, date] | None
) -> str:
    text = (
        f"Rencana pendampingan (dibuka otomatis oleh sistem): hasil evaluasi KIM ini berada "
        f"pada kategori terendah ({band}, skor {score:.1f}). Mohon dampingi KIM untuk "
        f"keterampilan {skill}."
    )
    if training is not None:
        title, starts_on = training
        text += f" Saran pelatihan: {title}, mulai {starts_on.isoformat()}."
    return text
