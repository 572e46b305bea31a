"""Reads of the authors' workspace: which articles a caller may list, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from kim_content import access
from kim_content.articles.schemas import ArticlePage, ArticleSummary
from kim_shared.auth import Principal
from kim_shared.auth.principal import MODERATOR, OPERATOR_KABUPATEN, PENGELOLA_KIM
from kim_shared.db import Connection
from kim_shared.pagination import decode, encode, moment
from kim_shared.projections.kim.lookups import memberships_of


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may list: a region (staff; ``""`` = everywhere), KIM it serves as an
    officer, and its own articles."""

    region: str | None
    officer_of: tuple[UUID, ...]
    author: str


async def workspace_scope(conn: Connection, principal: Principal, on: date) -> Scope:
    region: str | None = None
    if OPERATOR_KABUPATEN in principal.roles or MODERATOR in principal.roles:
        region = principal.region_scope or ""
    officer_of: tuple[UUID, ...] = ()
    if PENGELOLA_KIM in principal.roles:
        officer_of = tuple(
            m.kim_id for m in await memberships_of(conn, principal.subject, on=on) if m.officer
        )
    author = principal.subject if principal.has_any_role(*access.WRITER_ROLES) else ""
    return Scope(region, officer_of, author)


_PAGE = """
SELECT a.id, a.kim_id, a.category, a.village_code, a.status, a.hidden, a.current_revision,
       a.updated_at, r.title
FROM articles a
JOIN article_revisions r ON r.article_id = a.id AND r.number = a.current_revision
WHERE ((a.author_subject = $1 AND $1 <> '')
       OR a.kim_id = ANY($2::uuid[])
       OR ($3::text IS NOT NULL AND ($3 = '' OR a.village_code LIKE $3 || '.%')))
  AND ($4::uuid IS NULL OR a.kim_id = $4)
  AND ($5::text IS NULL OR a.status = $5)
  AND ($6::timestamptz IS NULL OR (a.updated_at, a.id) < ($6, $7::uuid))
ORDER BY a.updated_at DESC, a.id DESC
LIMIT $8
"""


async def workspace_page(
    conn: Connection,
    scope: Scope,
    kim_id: UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> ArticlePage:
    after, after_id = decode(cursor, moment, UUID) if cursor else (None, None)
    rows = await conn.fetch(
        _PAGE,
        scope.author,
        list(scope.officer_of),
        scope.region,
        kim_id,
        status,
        after,
        after_id,
        limit + 1,
    )
    items = [
        ArticleSummary(
            id=r["id"],
            kim_id=r["kim_id"],
            title=r["title"],
            category=r["category"],
            village_code=r["village_code"],
            status=r["status"],
            hidden=r["hidden"],
            current_revision=r["current_revision"],
            updated_at=r["updated_at"],
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode(items[-1].updated_at, items[-1].id)
    return ArticlePage(items=items, next_cursor=next_cursor)
