"""Read side of the groups API: a KIM as its audience sees it, the directory page.

Reads that combine several queries run in one read-only REPEATABLE READ
transaction (the caller's), so the parts agree with each other.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from uuid import UUID

from kim_registry.groups import member_repository as members
from kim_registry.groups import repository as repo
from kim_registry.groups.repository import KimFilter, KimRow
from kim_registry.groups.schemas import KimDetail, KimPage, KimProfile
from kim_registry.groups.views import Audience, detail, profile, summary
from kim_shared.db import Connection
from kim_shared.errors import Invalid


async def kim_view(
    conn: Connection, kim: KimRow, view: Audience, today: date
) -> KimProfile | KimDetail:
    serving = await members.serving(conn, kim.id, today)
    if view == "public":
        return profile(kim, serving)
    history = await repo.list_history(conn, kim.id)
    current = await members.list_members(conn, kim.id, former=False)
    return detail(kim, serving, history, current, view)


def encode_cursor(kim: KimRow) -> str:
    raw = json.dumps([kim.village_code, str(kim.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        village_code, kim_id = json.loads(raw)
        return str(village_code), UUID(str(kim_id))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise Invalid(
            "cursor is not valid: pass the next_cursor of a previous page unchanged.",
            slug="invalid-cursor",
            field="query.cursor",
        ) from exc


async def directory_page(
    conn: Connection, flt: KimFilter, cursor: str | None, limit: int
) -> KimPage:
    after = decode_cursor(cursor) if cursor else None
    rows = await repo.list_kims(conn, flt, after, limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return KimPage(
        items=[summary(k) for k in page],
        next_cursor=encode_cursor(page[-1]) if more and page else None,
    )
