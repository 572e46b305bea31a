"""The WIB office calendar: working days (no weekends, libur nasional nor cuti bersama, from
``lokal.holidays``), office hours 08:00-16:00 and deadlines counted in working hours (no I/O)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

from lokal.holidays import holidays_on

from kim_shared.clock import WIB

OPENS: Final = time(8, 0)
CLOSES: Final = time(16, 0)


def holiday_name(day: date) -> str | None:
    """The name of the holiday (libur nasional or cuti bersama) on ``day``, or ``None``.
    Years without official data count as having none."""
    try:
        found = holidays_on(day)
    except ValueError:
        return None
    return found[0].name if found else None


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def _next_opening(day: date) -> datetime:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, WIB)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` counted only within office hours of working days (WIB)."""
    at = start.astimezone(WIB)
    remaining = timedelta(hours=hours)
    while True:
        day = at.date()
        if not is_working_day(day) or at.timetz().replace(tzinfo=None) >= CLOSES:
            at = _next_opening(day)
            continue
        at = max(at, datetime.combine(day, OPENS, WIB))
        left_today = datetime.combine(day, CLOSES, WIB) - at
        if remaining <= left_today:
            return at + remaining
        remaining -= left_today
        at = _next_opening(day)
