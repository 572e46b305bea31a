"""The pieces every article command is made of: who acts, loading the article, checking a
transition, and recording a step (who, with which role, why) with what it changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from kim_content import access
from kim_content.articles import repository as repo
from kim_content.articles.domain import (
    Action,
    InvalidTransition,
    ensure_allowed,
)
from kim_content.articles.repository import ArticleRow, RevisionRow
from kim_shared.db import Connection
from kim_shared.errors import Conflict, NotFound

SYSTEM: Final = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts and with which role (the role that allowed it, for the audit log)."""

    subject: str
    role: str


async def load(conn: Connection, article_id: UUID, *, lock: bool = False) -> ArticleRow:
    article = await repo.get_article(conn, article_id, lock=lock)
    if article is None:
        raise NotFound(access.ARTICLE_NOT_FOUND)
    return article


async def current_revision(conn: Connection, article: ArticleRow) -> RevisionRow:
    rev = await repo.get_revision(conn, article.id, article.current_revision)
    assert rev is not None, "every article has its current revision"
    return rev


def ensure_transition(action: Action, article: ArticleRow) -> None:
    try:
        ensure_allowed(action, article.status)
    except InvalidTransition as exc:
        raise Conflict(str(exc), slug="invalid-transition") from exc


async def move(
    conn: Connection,
    article: ArticleRow,
    revision: int,
    to_status: str,
    action: str,
    actor: Actor,
    *,
    from_status: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
    changes: Mapping[str, Any] | None = None,
) -> ArticleRow:
    """Record one workflow step (who, with which role, why) and write what it ``changes`` on
    the article (its columns, ``status`` among them); the article as it is now."""
    await repo.record_transition(
        conn,
        article.id,
        revision,
        from_status=from_status or article.status,
        to_status=to_status,
        action=action,
        actor=actor.subject,
        actor_role=actor.role,
        reason_code=reason_code,
        note=note,
    )
    return await repo.update_article(conn, article.id, changes) if changes else article
