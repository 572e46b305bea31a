"""The platform's calendar: Western Indonesian Time (WIB, UTC+7, no daylight saving).

Ponorogo and the rest of Jawa Timur live in WIB, so "today" (member terms, article schedules,
profile dates, targets and evaluation periods) and the start of a day are taken
there, never in the server's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def today(now: datetime | None = None) -> date:
    """The calendar date in WIB (of ``now``, default: the current moment)."""
    return (now or datetime.now(UTC)).astimezone(WIB).date()


def start_of_day(day: date) -> datetime:
    """Midnight WIB at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=WIB)


MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
"""Month names in Bahasa Indonesia, January first."""


def long_date(day: date) -> str:
    """``2026-12-01`` → ``1 Desember 2026``, as Indonesian letters and certificates write it."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
