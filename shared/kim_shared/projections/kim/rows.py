"""A KIM as every projection holds it: the fields of ``KimStateChanged`` except
``changed_at`` (the registry keeps no column for it, so it could not be checked).

The same row types are what lookups return and what ``kim projections check`` compares
with the registry's ``kim`` and current ``members`` (the registry builds them from its own
rows). A roster is ordered as the registry publishes it: officers first, then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from kim_shared.db import Connection, from_record
from kim_shared.events.types.registry import KimStateChanged, KimStatus, Position, RosterEntry

POSITIONS: tuple[Position, ...] = ("ketua", "wakil_ketua", "sekretaris", "bendahara", "anggota")
OFFICERS: frozenset[Position] = frozenset(POSITIONS[:-1])


@dataclass(frozen=True, slots=True)
class Member:
    """One current membership: ids, position and term, never personal data."""

    member_id: UUID
    position: Position
    user_subject: str | None
    term_start: date
    term_end: date | None

    @property
    def officer(self) -> bool:
        """A pengurus (ketua, wakil ketua, sekretaris, bendahara), not an anggota."""
        return self.position in OFFICERS

    def serves_on(self, day: date) -> bool:
        """Whether ``day`` lies in the member's term."""
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)

    @classmethod
    def of(cls, entry: RosterEntry) -> Member:
        return cls(
            member_id=entry.member_id,
            position=entry.position,
            user_subject=entry.user_subject,
            term_start=entry.term_start,
            term_end=entry.term_end,
        )


@dataclass(frozen=True, slots=True)
class KimState:
    """One KIM's state without its roster (a row of ``kim_projection``)."""

    kim_id: UUID
    revision: int
    name: str
    status: KimStatus
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    founded_on: date | None


@dataclass(frozen=True, slots=True)
class Kim:
    """One KIM's state and its current roster."""

    state: KimState
    roster: tuple[Member, ...]

    @classmethod
    def of(cls, event: KimStateChanged) -> Kim:
        """What ``event`` leaves in the projection."""
        state = KimState(
            kim_id=event.kim_id,
            revision=event.revision,
            name=event.name,
            status=event.status,
            village_code=event.village_code,
            kecamatan_code=event.kecamatan_code,
            kabupaten_code=event.kabupaten_code,
            founded_on=event.founded_on,
        )
        return cls(state, in_roster_order(Member.of(e) for e in event.roster))


def in_roster_order(members: Iterable[Member]) -> tuple[Member, ...]:
    """Officers first (ketua … bendahara), then anggota; by member id within a position."""
    return tuple(sorted(members, key=lambda m: (POSITIONS.index(m.position), m.member_id)))


STATE = (
    "SELECT kim_id, revision, name, status, village_code, kecamatan_code, kabupaten_code,"
    " founded_on FROM kim_projection"
)
_ALL_MEMBERS = (
    "SELECT kim_id, member_id, position, user_subject, term_start, term_end"
    " FROM kim_member_projection"
)


def assemble(states: Iterable[KimState], members: Iterable[tuple[UUID, Member]]) -> dict[str, Kim]:
    """KIM by id (as text) from their states and ``(kim_id, member)`` pairs."""
    rosters: dict[UUID, list[Member]] = {}
    for kim_id, member in members:
        rosters.setdefault(kim_id, []).append(member)
    return {str(s.kim_id): Kim(s, in_roster_order(rosters.get(s.kim_id, ()))) for s in states}


async def all_kim(conn: Connection) -> Mapping[str, Kim]:
    """Every projected KIM by id (what ``kim projections check`` compares)."""
    states = [from_record(KimState, r) for r in await conn.fetch(STATE)]
    members = [(r["kim_id"], from_record(Member, r)) for r in await conn.fetch(_ALL_MEMBERS)]
    return assemble(states, members)
