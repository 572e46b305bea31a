"""Pure rules of dormancy suggestions (no I/O).

An ``aktif`` KIM is *suggested* dormant when nothing happened for
``dormant_after_days`` (per kabupaten, :class:`kim_registry.groups.domain.Rules`,
default 180) counted from the later of its last activity and the day it became
active (the last change to ``aktif``, else its founding date, else when it was
registered), so a freshly activated KIM is not flagged for the silence before it
existed. Rejected articles are not activity
(:data:`~kim_registry.evaluation.domain.LIFE_SIGNS`). It is only a suggestion for
the operator: the status never changes by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kim_shared.clock import start_of_day


@dataclass(frozen=True)
class Dormancy:
    idle_days: int
    dormant_suggested: bool


def active_since(
    activated_at: datetime | None, founded_on: date | None, created_at: datetime
) -> datetime:
    """When the KIM's dormancy clock may start at the earliest (see module doc)."""
    if activated_at is not None:
        return activated_at
    if founded_on is not None:
        return start_of_day(founded_on)
    return created_at


def dormancy(
    *,
    status: str,
    last_activity_at: datetime | None,
    since: datetime,
    dormant_after_days: int,
    now: datetime,
) -> Dormancy:
    idle_since = max(since, last_activity_at) if last_activity_at is not None else since
    idle_days = max((now - idle_since).days, 0)
    return Dormancy(
        idle_days=idle_days,
        dormant_suggested=status == "aktif" and idle_days >= dormant_after_days,
    )
