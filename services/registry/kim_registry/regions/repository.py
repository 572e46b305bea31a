"""SQL for reading regions (the import's SQL lives in ``importer.py``).

Every query names its columns. Subtree filters are
:func:`~kim_registry.access.sql_below` ranges on the ``regions_level_code``
index (``text_pattern_ops``, so it works under any collation); name search uses
the trigram index on ``search_name``.
Children, search and summaries only consider active regions (``active``:
still in the Kemendagri source); a lookup by code also answers for a retired one.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kim_registry.access import sql_below, sql_in_region
from kim_shared.db import Connection

_REGION_COLUMNS = "code, parent_code, level, type, name, postal_code, active"

_GET = f"SELECT {_REGION_COLUMNS} FROM regions WHERE code = $1"

_GET_MANY = f"SELECT {_REGION_COLUMNS} FROM regions WHERE code = ANY($1::text[])"

_CHILDREN = f"""
SELECT {_REGION_COLUMNS}
FROM regions
WHERE parent_code = $1 AND active
ORDER BY code COLLATE "C"
"""

# One template, filled with only the filters in use (each variant gets its own plan and the
# right index). ``core`` is a kabupaten/kota's name without its type word, so "ponorogo"
# matches "kabupaten ponorogo" exactly. ``{rank}`` is _RANK with a search key, else NULL.
_SEARCH = """
SELECT code, parent_code, level, type, name, postal_code, active, {rank} AS rank
FROM (
    SELECT code, parent_code, level, type, name, postal_code, active, search_name,
           CASE WHEN level = 2
                THEN regexp_replace(search_name, '^(kabupaten|kota)( administrasi)? ', '')
                ELSE search_name
           END AS core
    FROM regions
    WHERE {where}
) AS hits
ORDER BY rank, level, name, code COLLATE "C"
LIMIT {limit}
"""

# 0 exact, 1 prefix, 2 word prefix, 3 substring (domain.MATCH_RANKS) for the search key $1,
# which holds only [a-z0-9 ] (domain.search_key): no LIKE escaping is needed.
_RANK = """CASE WHEN search_name = $1 OR core = $1 THEN 0
                 WHEN search_name LIKE $1 || '%' OR core LIKE $1 || '%' THEN 1
                 WHEN ' ' || search_name LIKE '% ' || $1 || '%' THEN 2
                 ELSE 3
            END"""

# Active regions below $1 (level $3), counted per direct child (the first $2 characters of
# their code) and type; ``is_child`` marks the direct child's own row.
_DESCENDANT_COUNTS = f"""
SELECT left(code, $2) AS child, type, level = $3 + 1 AS is_child, count(*) AS n
FROM regions
WHERE active AND level > $3 AND {sql_below("code", "$1")}
GROUP BY 1, 2, 3
"""


async def get_region(conn: Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_GET, code)


async def get_regions(conn: Connection, codes: Sequence[str]) -> list[asyncpg.Record]:
    """The regions among ``codes`` that exist (any order)."""
    if not codes:
        return []
    return await conn.fetch(_GET_MANY, list(codes))


async def list_children(conn: Connection, code: str) -> list[asyncpg.Record]:
    """Active direct children of ``code``, by code."""
    return await conn.fetch(_CHILDREN, code)


def _search_sql(*, by_name: bool, by_level: bool, within: bool) -> str:
    where = ["active"]
    n = 0
    if by_name:
        n += 1
        where.append(f"search_name LIKE '%' || ${n} || '%'")
    if by_level:
        n += 1
        where.append(f"level = ${n}::smallint")
    if within:
        n += 1
        where.append(sql_in_region("code", f"${n}"))
    return _SEARCH.format(
        rank=_RANK if by_name else "NULL::integer",
        where="\n      AND ".join(where),
        limit=f"${n + 1}",
    )


async def search(
    conn: Connection, key: str | None, *, level: int | None, within: str | None, limit: int
) -> list[asyncpg.Record]:
    """Active regions matching every given filter; with ``key`` (a search key) ranked by
    how their name matches (column ``rank``, see :data:`domain.MATCH_RANKS`), otherwise by
    level and name (``rank`` is null). Ties: larger regions first."""
    sql = _search_sql(
        by_name=key is not None, by_level=level is not None, within=within is not None
    )
    args = [a for a in (key, level, within) if a is not None]
    return await conn.fetch(sql, *args, limit)


async def descendant_counts(
    conn: Connection, code: str, level: int, child_code_length: int
) -> list[asyncpg.Record]:
    """Rows ``(child, type, is_child, n)`` counting the active regions inside ``code``."""
    return await conn.fetch(_DESCENDANT_COUNTS, code, child_code_length, level)
