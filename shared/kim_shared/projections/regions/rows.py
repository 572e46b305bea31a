"""A region as every projection holds it: the fields of ``RegionChanged``, nothing else.

The same row type is what lookups return and what ``kim projections check`` compares with
the registry's ``regions`` table (the registry builds it from its own rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kim_shared.db import Connection, from_record
from kim_shared.events.types.registry import RegionChanged, RegionType


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    parent_code: str | None
    level: int
    type: RegionType
    name: str
    postal_code: str | None
    active: bool

    @classmethod
    def of(cls, event: RegionChanged) -> Region:
        """The row that ``event`` leaves in the projection."""
        return cls(
            code=event.code,
            parent_code=event.parent_code,
            level=event.level,
            type=event.type,
            name=event.name,
            postal_code=event.postal_code,
            active=event.active,
        )


SELECT = "SELECT code, parent_code, level, type, name, postal_code, active FROM region_projection"

_ALL = SELECT + " ORDER BY code"


async def all_regions(conn: Connection) -> Mapping[str, Region]:
    """Every projected region by code (what ``kim projections check`` compares)."""
    return {r["code"]: from_record(Region, r) for r in await conn.fetch(_ALL)}
