"""Pure rules about trainings: its days (working days: no weekend, national holiday or cuti
bersama, from ``lokal.holidays``), the completion rule, the registration lifecycle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Literal

from lokal.holidays import HOLIDAY_YEARS, holidays_on

from kim_shared.events.types.mentoring_trainings import Skill, TrainingStatus

__all__ = ["LIVE", "RegistrationStatus", "Skill", "TrainingStatus", "days_of", "not_working"]

RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled", "completed"]
#: Registrations that may be cancelled (a completed one keeps its certificate).
LIVE: Final[tuple[RegistrationStatus, ...]] = ("confirmed", "waitlisted")
_WEEKEND: Final = {5: "a Saturday", 6: "a Sunday"}


def not_working(day: date) -> str | None:
    """Why ``day`` is not a working day (a sentence naming the holiday), or ``None``."""
    if day.year not in HOLIDAY_YEARS:
        return f"The holidays of {day.year} are not published yet: choose a day in a known year."
    if day.weekday() in _WEEKEND:
        return f"{day.isoformat()} is {_WEEKEND[day.weekday()]}."
    for holiday in holidays_on(day):
        kind = "cuti bersama" if holiday.type == "cuti_bersama" else "a national holiday"
        return f"{day.isoformat()} is {kind}: {holiday.name}."
    return None


def days_of(starts_on: date, ends_on: date) -> list[date]:
    """The working days of a training, first to last (its start and end are working days)."""
    span = (starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1))
    return [day for day in span if not_working(day) is None]
