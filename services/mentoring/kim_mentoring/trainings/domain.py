"""Pure rules about trainings: the days, the completion rule, the registration lifecycle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Literal

from kim_shared.events.types.mentoring_trainings import Skill, TrainingStatus

__all__ = ["LIVE", "RegistrationStatus", "Skill", "TrainingStatus", "days_of"]

RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled", "completed"]
#: Registrations that may be cancelled (a completed one keeps its certificate).
LIVE: Final[tuple[RegistrationStatus, ...]] = ("confirmed", "waitlisted")


def days_of(starts_on: date, ends_on: date) -> list[date]:
    """Every day of a training, first to last."""
    return [starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1)]
