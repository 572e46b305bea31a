"""Read side of the groups API: a KIM as its audience sees it, the directory page.

Reads that combine several queries run in one read-only REPEATABLE READ
transaction (the caller's), so the parts agree with each other.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from kim_registry.groups import member_repository as members
from kim_registry.groups import repository as repo
from kim_registry.groups.repository import KimFilter, KimRow
from kim_registry.groups.schemas import KimDetail, KimPage, KimProfile
from kim_registry.groups.views import Audience, detail, profile, summary
from kim_shared.db import Connection
from kim_shared.pagination import decode, encode


async def kim_view(
    conn: Connection, kim: KimRow, view: Audience, today: date
) -> KimProfile | KimDetail:
    serving = await members.serving(conn, kim.id, today)
    if view == "public":
        return profile(kim, serving)
    history = await repo.list_history(conn, kim.id)
    current = await members.list_members(conn, kim.id, former=False)
    return detail(kim, serving, history, current, view)


async def directory_page(
    conn: Connection, flt: KimFilter, cursor: str | None, limit: int
) -> KimPage:
    after = decode(cursor, str, UUID) if cursor else None
    rows = await repo.list_kims(conn, flt, after, limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return KimPage(
        items=[summary(k) for k in page],
        next_cursor=encode(page[-1].village_code, page[-1].id) if more and page else None,
    )
