"""Questions a service asks its KIM projection (reads only, on the caller's connection).

"Current" means what the registry published: on the roster of the KIM's latest state (a
membership not ended). Where the term matters (who may act for a KIM today), the caller
passes the day (``on``): services have their own clock, the projection has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from kim_shared.db import Connection, from_record
from kim_shared.events.types.registry import KimStatus, Position
from kim_shared.projections.kim.rows import STATE, Kim, KimState, Member, assemble

_KIM = STATE + " WHERE kim_id = $1"
_ROSTER = (
    "SELECT kim_id, member_id, position, user_subject, term_start, term_end"
    " FROM kim_member_projection WHERE kim_id = $1"
)
_KIM_OF_MEMBER = "SELECT kim_id FROM kim_member_projection WHERE member_id = $1"
_MEMBERSHIPS_OF = """
SELECT k.kim_id, k.status AS kim_status, m.member_id, m.position, m.term_start, m.term_end
FROM kim_member_projection m
JOIN kim_projection k ON k.kim_id = m.kim_id
WHERE m.user_subject = $1
  AND m.term_start <= $2 AND (m.term_end IS NULL OR m.term_end >= $2)
ORDER BY k.kim_id
"""
_MEMBERSHIP_IN = """
SELECT k.kim_id, k.status AS kim_status, m.member_id, m.position, m.term_start, m.term_end
FROM kim_member_projection m
JOIN kim_projection k ON k.kim_id = m.kim_id
WHERE m.kim_id = $1 AND m.user_subject = $2
  AND m.term_start <= $3 AND (m.term_end IS NULL OR m.term_end >= $3)
"""
# One statement per level of a region code (composed here, once), each with its own index.
_REGION_CONDITION = {
    1: "kabupaten_code LIKE $1 || '.%'",
    2: "kabupaten_code = $1",
    3: "kecamatan_code = $1",
    4: "village_code = $1",
}
_IN_REGION = {
    level: f"{STATE} WHERE {condition} AND status = ANY($2::text[]) ORDER BY village_code, kim_id"
    for level, condition in _REGION_CONDITION.items()
}

ALL_STATUSES: tuple[KimStatus, ...] = ("calon", "aktif", "tidak_aktif", "dibubarkan")


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's current membership in one KIM, with that KIM's status."""

    kim_id: UUID
    kim_status: KimStatus
    member_id: UUID
    position: Position
    term_start: date
    term_end: date | None

    @property
    def officer(self) -> bool:
        return self.position != "anggota"


async def get_kim(conn: Connection, kim_id: UUID) -> Kim | None:
    """The KIM's latest projected state and roster (dissolved ones too), or ``None``."""
    state = await conn.fetchrow(_KIM, kim_id)
    if state is None:
        return None
    members = [(r["kim_id"], from_record(Member, r)) for r in await conn.fetch(_ROSTER, kim_id)]
    return assemble([from_record(KimState, state)], members)[str(kim_id)]


async def kim_of_member(conn: Connection, member_id: UUID) -> Kim | None:
    """The KIM whose current roster holds ``member_id``, or ``None`` (ended memberships are
    no longer projected)."""
    kim_id = await conn.fetchval(_KIM_OF_MEMBER, member_id)
    return await get_kim(conn, kim_id) if kim_id is not None else None


async def memberships_of(conn: Connection, user_subject: str, *, on: date) -> list[Membership]:
    """Every KIM the user (login subject) serves on day ``on``, whatever the KIM's status."""
    rows = await conn.fetch(_MEMBERSHIPS_OF, user_subject, on)
    return [from_record(Membership, r) for r in rows]


async def membership(
    conn: Connection, kim_id: UUID, user_subject: str, *, on: date
) -> Membership | None:
    """The user's membership in this KIM on day ``on`` (any KIM status), or ``None``."""
    r = await conn.fetchrow(_MEMBERSHIP_IN, kim_id, user_subject, on)
    return from_record(Membership, r) if r is not None else None


async def role_in_active_kim(
    conn: Connection, kim_id: UUID, user_subject: str, *, on: date
) -> Position | None:
    """The user's position if the KIM is ``aktif`` and the user serves it on day ``on``
    (who may write or sell for a KIM), else ``None``."""
    found = await membership(conn, kim_id, user_subject, on=on)
    return found.position if found is not None and found.kim_status == "aktif" else None


async def kim_in_region(
    conn: Connection, region_code: str, *, statuses: Sequence[KimStatus] = ("aktif",)
) -> list[KimState]:
    """The KIM in a provinsi, kabupaten/kota, kecamatan or village (by its code), in the
    given statuses (default: ``aktif``), ordered by village."""
    level = region_code.count(".") + 1
    if level not in _IN_REGION:
        raise ValueError(f"not a region code: {region_code!r}")
    rows = await conn.fetch(_IN_REGION[level], region_code, list(statuses))
    return [from_record(KimState, r) for r in rows]
