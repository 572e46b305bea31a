"""The working days of a training (no weekend, national holiday or cuti bersama, from
``lokal.holidays``, the rule mentoring applies): the days an operator may record."""

from __future__ import annotations

from datetime import date, timedelta

from lokal.holidays import HOLIDAY_YEARS, holidays_on


def working_days(starts_on: date, ends_on: date) -> list[date]:
    """The working days from ``starts_on`` to ``ends_on``, first to last."""
    span = (starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1))
    return [
        day
        for day in span
        if day.year in HOLIDAY_YEARS and day.weekday() < 5 and not list(holidays_on(day))
    ]
