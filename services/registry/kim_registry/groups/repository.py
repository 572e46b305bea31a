"""SQL for KIM groups, their status history, villages and per-kabupaten rules.

Members are in :mod:`kim_registry.groups.member_repository`. Functions take
the caller's connection and never open transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast
from uuid import UUID

import asyncpg

from kim_registry.groups.domain import OCCUPYING_STATUSES, Rules
from kim_shared.db import Connection
from kim_shared.events.types.registry import KimStatus, Position, StatusReason

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row", bound="DataclassInstance")


def from_record(cls: type[Row], r: asyncpg.Record) -> Row:
    """The row dataclass ``cls`` filled from the record's columns of the same names."""
    return cls(**{f.name: r[f.name] for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class KimRow:
    id: UUID
    name: str
    status: KimStatus
    village_code: str
    village_name: str
    village_type: str
    kecamatan_code: str
    kecamatan_name: str
    kabupaten_code: str
    founded_on: date | None
    sk_number: str | None
    sk_date: date | None
    sk_issuer: str | None
    legal_basis: str | None
    contact_channel: str | None
    links: list[str]
    kim_id_number: str | None
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Village:
    code: str
    name: str
    type: str
    level: int
    active: bool

    @property
    def label(self) -> str:
        kind = "Kelurahan" if self.type == "kelurahan" else "Desa"
        return f"{kind} {self.name} ({self.code})"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    from_status: KimStatus | None
    to_status: KimStatus
    reason_code: StatusReason | None
    reason: str | None
    changed_by: str
    changed_at: datetime


PROFILE_COLUMNS: Final = (
    "name",
    "founded_on",
    "sk_number",
    "sk_date",
    "sk_issuer",
    "legal_basis",
    "contact_channel",
    "links",
    "kim_id_number",
)
"""Columns a profile update (PATCH) may set."""

_KIM_SELECT = """
SELECT k.id, k.name, k.status, k.village_code, v.name AS village_name, v.type AS village_type,
       v.parent_code AS kecamatan_code, kc.name AS kecamatan_name, k.kabupaten_code,
       k.founded_on, k.sk_number, k.sk_date, k.sk_issuer, k.legal_basis, k.contact_channel,
       k.links, k.kim_id_number, k.version, k.created_at, k.created_by, k.updated_at
FROM kim k
JOIN regions v ON v.code = k.village_code
JOIN regions kc ON kc.code = v.parent_code
"""


# --- villages -------------------------------------------------------------------------------


async def lock_village(conn: Connection, code: str) -> Village | None:
    """The region row of ``code``, locked so that KIM formations in it run one at a time."""
    r = await conn.fetchrow(
        "SELECT code, name, type, level, active FROM regions WHERE code = $1 FOR UPDATE", code
    )
    return None if r is None else Village(r["code"], r["name"], r["type"], r["level"], r["active"])


async def count_occupying(conn: Connection, village_code: str) -> int:
    """KIM of the village that are proposed, active or dormant."""
    n: int = await conn.fetchval(
        "SELECT count(*) FROM kim WHERE village_code = $1 AND status = ANY($2::text[])",
        village_code,
        list(OCCUPYING_STATUSES),
    )
    return n


async def region_exists(conn: Connection, code: str, level: int) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1 AND level = $2)", code, level
    )
    return found


# --- KIM ---------------------------------------------------------------------------------


async def get_kim(conn: Connection, kim_id: UUID, *, lock: bool = False) -> KimRow | None:
    sql = _KIM_SELECT + "WHERE k.id = $1" + (" FOR UPDATE OF k" if lock else "")
    r = await conn.fetchrow(sql, kim_id)
    return None if r is None else from_record(KimRow, r)


async def insert_kim(
    conn: Connection,
    *,
    kim_id: UUID,
    village_code: str,
    kabupaten_code: str,
    profile: Mapping[str, Any],
    created_by: str,
) -> None:
    columns = [c for c in PROFILE_COLUMNS if c in profile]
    values = [profile[c] for c in columns]
    placeholders = ", ".join(f"${i}" for i in range(5, 5 + len(columns)))
    await conn.execute(
        f"INSERT INTO kim (id, village_code, kabupaten_code, created_by, {', '.join(columns)})"
        f" VALUES ($1, $2, $3, $4, {placeholders})",
        kim_id,
        village_code,
        kabupaten_code,
        created_by,
        *values,
    )


async def update_profile(conn: Connection, kim_id: UUID, changes: Mapping[str, Any]) -> int:
    """Set the changed profile columns, bump the version; returns the new version."""
    columns = [c for c in PROFILE_COLUMNS if c in changes]
    if not columns or len(columns) != len(changes):
        raise ValueError(f"only profile columns may change, not {sorted(changes)}")
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
    version: int = await conn.fetchval(
        f"UPDATE kim SET {sets}, version = version + 1, updated_at = now()"
        " WHERE id = $1 RETURNING version",
        kim_id,
        *[changes[c] for c in columns],
    )
    return version


async def set_status(conn: Connection, kim_id: UUID, status: KimStatus) -> int:
    version: int = await conn.fetchval(
        "UPDATE kim SET status = $2, version = version + 1, updated_at = now()"
        " WHERE id = $1 RETURNING version",
        kim_id,
        status,
    )
    return version


async def add_history(
    conn: Connection,
    kim_id: UUID,
    from_status: KimStatus | None,
    to_status: KimStatus,
    changed_by: str,
    *,
    reason_code: StatusReason | None = None,
    reason: str | None = None,
) -> datetime:
    changed_at: datetime = await conn.fetchval(
        "INSERT INTO kim_status_history"
        " (kim_id, from_status, to_status, reason_code, reason, changed_by)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING changed_at",
        kim_id,
        from_status,
        to_status,
        reason_code,
        reason,
        changed_by,
    )
    return changed_at


_HISTORY_COLUMNS: Final = ", ".join(f.name for f in fields(HistoryRow))


async def list_history(conn: Connection, kim_id: UUID) -> list[HistoryRow]:
    rows = await conn.fetch(
        f"SELECT {_HISTORY_COLUMNS} FROM kim_status_history WHERE kim_id = $1 ORDER BY id",
        kim_id,
    )
    return [from_record(HistoryRow, r) for r in rows]


async def next_state_revision(conn: Connection, kim_id: UUID) -> tuple[int, datetime]:
    """Count one more snapshot of the KIM's state: its revision and the change's time."""
    r = await conn.fetchrow(
        "UPDATE kim SET state_revision = state_revision + 1 WHERE id = $1"
        " RETURNING state_revision, now() AS at",
        kim_id,
    )
    assert r is not None
    return r["state_revision"], r["at"]


@dataclass(frozen=True, slots=True)
class KimFilter:
    region: str | None = None  # desa, kecamatan, kabupaten or province code (prefix)
    status: KimStatus | None = None
    q: str | None = None  # case-insensitive part of the name


_DIRECTORY: Final = (
    _KIM_SELECT
    + """
WHERE k.village_code COLLATE "C" >= $1 AND k.village_code COLLATE "C" < $2
  AND (k.village_code COLLATE "C", k.id) > ($3::text COLLATE "C", $4::uuid)
  AND ($5::text IS NULL OR k.status = $5)
  AND ($6::text IS NULL OR k.name ILIKE '%' || $6 || '%')
ORDER BY k.village_code COLLATE "C", k.id
LIMIT $7
"""
)
"""The directory page. A region ``r`` and everything inside it are the codes in the
byte-wise range [``r``, ``r/``) (codes hold only digits and dots, and ``/`` follows ``.``);
no region is the range [``""``, ``"~"``). The keyset condition starts at ``("", nil uuid)``.
Both are always present, so that every plan, generic prepared ones included, serves the
range, the order and the cursor from the ``kim_directory`` index (``village_code COLLATE
"C", id``); status and name only filter what the index yields."""

_ALL_CODES: Final = ("", "~")
_BEFORE_ALL: Final = ("", UUID(int=0))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_kims(
    conn: Connection, flt: KimFilter, after: tuple[str, UUID] | None, limit: int
) -> list[KimRow]:
    """KIM ordered by (village_code, id), after the keyset cursor ``after``."""
    low, high = (flt.region, flt.region + "/") if flt.region is not None else _ALL_CODES
    after_code, after_id = after if after is not None else _BEFORE_ALL
    rows = await conn.fetch(
        _DIRECTORY,
        low,
        high,
        after_code,
        after_id,
        flt.status,
        None if flt.q is None else _like_escape(flt.q),
        limit,
    )
    return [from_record(KimRow, r) for r in rows]


# --- rules ---------------------------------------------------------------------------------

_RULES_COLUMNS = (
    "kabupaten_code, max_kim_per_village, required_positions, min_members, max_members,"
    " dormant_after_days, version, updated_at, updated_by"
)


def _rules(r: asyncpg.Record) -> Rules:
    return Rules(
        kabupaten_code=r["kabupaten_code"],
        max_kim_per_village=r["max_kim_per_village"],
        required_positions=tuple(cast(Sequence[Position], r["required_positions"])),
        min_members=r["min_members"],
        max_members=r["max_members"],
        dormant_after_days=r["dormant_after_days"],
        version=r["version"],
        updated_at=r["updated_at"],
        updated_by=r["updated_by"],
    )


async def get_rules(conn: Connection, kabupaten_code: str, *, lock: bool = False) -> Rules:
    """The kabupaten's saved rules, or the defaults (``version`` 0)."""
    r = await conn.fetchrow(
        f"SELECT {_RULES_COLUMNS} FROM kabupaten_rules WHERE kabupaten_code = $1"
        + (" FOR UPDATE" if lock else ""),
        kabupaten_code,
    )
    return Rules(kabupaten_code=kabupaten_code) if r is None else _rules(r)


async def save_rules(conn: Connection, rules: Rules, updated_by: str) -> Rules | None:
    """Insert (version 1) or update the rules; None when a concurrent insert won."""
    r = await conn.fetchrow(
        f"""
INSERT INTO kabupaten_rules (kabupaten_code, max_kim_per_village, required_positions,
                             min_members, max_members, dormant_after_days, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (kabupaten_code) DO UPDATE SET
    max_kim_per_village = EXCLUDED.max_kim_per_village,
    required_positions = EXCLUDED.required_positions,
    min_members = EXCLUDED.min_members,
    max_members = EXCLUDED.max_members,
    dormant_after_days = EXCLUDED.dormant_after_days,
    updated_by = EXCLUDED.updated_by,
    version = kabupaten_rules.version + 1,
    updated_at = now()
WHERE kabupaten_rules.version = $8
RETURNING {_RULES_COLUMNS}
""",
        rules.kabupaten_code,
        rules.max_kim_per_village,
        list(rules.required_positions),
        rules.min_members,
        rules.max_members,
        rules.dormant_after_days,
        updated_by,
        rules.version,
    )
    return None if r is None else _rules(r)
