"""What the registry published on its state topics, read back from its own tables: the
source rows that ``kim projections check`` compares every service's projections with.

Each reader returns the kit's projection row types (only the projected fields), keyed as
the projection keys them. Registered in the entry-point group ``kim.projection_sources``
under the projection's name, so the kit never reads the registry's tables itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from kim_shared.db import Connection, from_record
from kim_shared.projections.kim.rows import Kim, KimState, Member, assemble
from kim_shared.projections.regions.rows import Region

_REGIONS = "SELECT code, parent_code, level, type, name, postal_code, active FROM regions"

# A KIM is on the state topic from its first snapshot (revision 1) on; its roster is the
# memberships not ended, as groups.member_repository.roster publishes it.
_KIM = """
SELECT k.id AS kim_id, k.state_revision AS revision, k.name, k.status, k.village_code,
       v.parent_code AS kecamatan_code, k.kabupaten_code, k.founded_on
FROM kim k
JOIN regions v ON v.code = k.village_code
WHERE k.state_revision > 0
"""
_MEMBERS = """
SELECT m.kim_id, m.id AS member_id, m.position, m.user_subject, m.term_start, m.term_end
FROM members m
JOIN kim k ON k.id = m.kim_id
WHERE m.left_on IS NULL AND k.state_revision > 0
"""


async def regions(conn: Connection) -> Mapping[str, Region]:
    """Every region of the ``regions`` table, as the region projection holds it."""
    return {r["code"]: from_record(Region, r) for r in await conn.fetch(_REGIONS)}


async def kim(conn: Connection) -> Mapping[str, Kim]:
    """Every published KIM with its current members, as the KIM projection holds them."""
    states = [from_record(KimState, r) for r in await conn.fetch(_KIM)]
    members = [(r["kim_id"], from_record(Member, r)) for r in await conn.fetch(_MEMBERS)]
    return assemble(states, members)
