"""Events as the registry publishes them, delivered as the kit hands them to a batch handler."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from kim_shared.events.base import Event
from kim_shared.events.types.registry import (
    KimStateChanged,
    KimStatus,
    Position,
    RegionChanged,
    RosterEntry,
)
from kim_shared.inbox import Delivered, EventMeta
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope

REGISTRY = EventSource("registry")
KABUPATEN = "35.02"
KECAMATAN = "35.02.01"


def delivered(event: Event, *, offset: int = 0, partition: int = 0) -> Delivered:
    """``event`` as read from ``partition`` at ``offset`` of its topic."""
    meta = EventMeta(envelope(event, REGISTRY), event.topic.name, partition, offset)
    return Delivered(event, meta)


def region(code: str, *, name: str | None = None, active: bool = True) -> RegionChanged:
    """A snapshot of ``code`` (level and parent from the code's segments)."""
    parts = code.split(".")
    level = len(parts)
    types = {1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa"}
    return RegionChanged(
        code=code,
        parent_code=".".join(parts[:-1]) or None,
        level=level,
        type=types[level],  # type: ignore[arg-type]
        name=name or f"Wilayah {code}",
        postal_code="63482" if level == 4 else None,
        active=active,
    )


def member(
    n: int,
    position: Position = "anggota",
    *,
    subject: str | None = None,
    start: date = date(2024, 1, 1),
    end: date | None = None,
) -> RosterEntry:
    return RosterEntry(
        member_id=UUID(int=n),
        position=position,
        user_subject=subject if subject is not None else f"user-{n}",
        term_start=start,
        term_end=end,
    )


def kim_state(
    kim_id: UUID,
    revision: int,
    *,
    status: KimStatus = "aktif",
    roster: tuple[RosterEntry, ...] = (),
    village: str = "35.02.01.2001",
    name: str = "KIM Tugu Media",
) -> KimStateChanged:
    return KimStateChanged(
        kim_id=kim_id,
        revision=revision,
        name=name,
        status=status,
        village_code=village,
        kecamatan_code=".".join(village.split(".")[:3]),
        kabupaten_code=".".join(village.split(".")[:2]),
        founded_on=date(2021, 3, 1),
        roster=list(roster),
        changed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
