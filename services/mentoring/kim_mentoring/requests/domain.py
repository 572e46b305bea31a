"""Pure rules about help requests: statuses, transitions and the SLA (no I/O)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final, Literal

from kim_mentoring.scheduling.calendar import add_working_hours
from kim_shared.clock import WIB, start_of_day
from kim_shared.errors import Conflict
from kim_shared.events.types.mentoring import Urgency

Status = Literal["requested", "assigned", "scheduled", "done", "cancelled"]

SLA_WORKING_HOURS: Final[dict[Urgency, int]] = {"tinggi": 8, "sedang": 16, "rendah": 40}
"""Working hours (WIB office hours) until an expert should have scheduled the help."""

ALLOWED: Final[dict[str, frozenset[Status]]] = {
    "assign": frozenset({"requested", "assigned"}),
    "schedule": frozenset({"assigned", "scheduled"}),
    "done": frozenset({"scheduled"}),
    "cancel": frozenset({"requested", "assigned", "scheduled"}),
}


def ensure_transition(action: str, status: Status) -> None:
    if status not in ALLOWED[action]:
        raise Conflict(
            f"The help request is {status}: it cannot take the action {action!r}.",
            slug="invalid-transition",
        )


def sla_due(opened_at: datetime, urgency: Urgency) -> datetime:
    return add_working_hours(opened_at, SLA_WORKING_HOURS[urgency])


def week_start(now: datetime) -> datetime:
    """Monday 00:00 WIB of the week of ``now``."""
    day: date = now.astimezone(WIB).date()
    return start_of_day(day - timedelta(days=day.weekday()))
