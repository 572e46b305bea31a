"""Routing, approval, publication and moderation of articles: from a screened (or
editor-approved) revision to the public, and back (rejection, takedown, hiding, restore)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from kim_content.articles import repository as repo
from kim_content.articles.domain import (
    Route,
)
from kim_content.articles.events import public_state, stage
from kim_content.articles.repository import ArticleRow, RevisionRow
from kim_content.articles.steps import (
    SYSTEM,
    Actor,
    current_revision,
    ensure_transition,
    load,
    move,
)
from kim_content.moderation.cases import close_cases, open_case
from kim_content.publishing.render import plain_text
from kim_shared.db import Connection
from kim_shared.errors import Conflict
from kim_shared.events.base import Event
from kim_shared.events.types.activity import ArticlePublished, ArticleRejected
from kim_shared.events.types.content import (
    ArticleApproved,
    ArticleRestored,
    ArticleTakenDown,
    ModerationDecided,
    ReasonCode,
)
from kim_shared.outbox import EventSource
from kim_shared.search_text import stem_document

SUBMISSION_DEADLINE: Final = timedelta(hours=24)


def decision_event(
    article: ArticleRow, revision: int, decision: Any, now: datetime, **extra: Any
) -> ModerationDecided:
    return ModerationDecided(
        subject_type="article",
        subject_id=article.id,
        subject_revision=revision,
        kabupaten_code=article.kabupaten_code,
        decision=decision,
        decided_at=now,
        **extra,
    )


async def send_on(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: RevisionRow,
    route: Route,
    events: list[Event],
    now: datetime,
    actor: Actor,
    screening_id: int | None,
) -> ArticleRow:
    """Send a screened (or editor-approved) revision where ``route`` says."""
    if route.automatic_approval:
        return await approve_revision(
            conn, source, article, revision, now, actor=actor, automatic=True, events=events
        )
    article = await move(
        conn,
        article,
        revision.number,
        route.status,
        "route",
        actor,
        changes={"status": route.status, "reason_code": None, "feedback": None},
    )
    if route.status == "diskominfo_review":
        await open_case(
            conn,
            subject_type="article",
            subject_id=article.id,
            revision=revision.number,
            kabupaten_code=article.kabupaten_code,
            kind="submission",
            deadline=now + SUBMISSION_DEADLINE,
            screening_id=screening_id,
        )
    await stage(conn, source, article, *events)
    return article


async def reject(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: int,
    *,
    reason_code: ReasonCode,
    feedback: str | None,
    actor: Actor,
    now: datetime,
    from_status: str | None = None,
    events: Sequence[Event] = (),
) -> ArticleRow:
    """Back to the author with a reason code and feedback (screening or a moderator)."""
    article = await move(
        conn,
        article,
        revision,
        "rejected",
        "reject",
        actor,
        from_status=from_status,
        reason_code=reason_code,
        note=feedback,
        changes={"status": "rejected", "reason_code": reason_code, "feedback": feedback},
    )
    rejected = ArticleRejected(
        article_id=article.id,
        kim_id=article.kim_id,
        reason_code=reason_code,
        rejected_at=now,
        revision=revision,
    )
    await stage(conn, source, article, *events, rejected)
    return article


async def approve_revision(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: RevisionRow,
    now: datetime,
    *,
    actor: Actor,
    automatic: bool,
    events: list[Event],
) -> ArticleRow:
    """Approve ``revision``: published now, or scheduled for its publication time."""
    scheduled = revision.scheduled_at is not None and revision.scheduled_at > now
    events.append(
        ArticleApproved(
            article_id=article.id,
            kim_id=article.kim_id,
            revision=revision.number,
            approved_by="trusted_author" if automatic else "moderator",
            scheduled_for=revision.scheduled_at if scheduled else None,
            approved_at=now,
        )
    )
    events.append(decision_event(article, revision.number, "approved", now, automatic=automatic))
    if not scheduled:
        await move(conn, article, revision.number, "published", "approve", actor)
        return await publish(conn, source, article, revision, now, events)
    article = await move(
        conn,
        article,
        revision.number,
        "scheduled",
        "approve",
        actor,
        changes={
            "status": "scheduled",
            "scheduled_at": revision.scheduled_at,
            "reason_code": None,
            "feedback": None,
        },
    )
    await stage(conn, source, article, *events)
    return article


async def publish(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: RevisionRow,
    now: datetime,
    events: list[Event],
) -> ArticleRow:
    """Make ``revision`` the public one: indexed for search, announced, snapshotted."""
    document = await asyncio.to_thread(
        stem_document, revision.title, " ".join(revision.tags), plain_text(revision.body)
    )
    await conn.execute(
        "UPDATE articles SET search_document = to_tsvector('simple', $2) WHERE id = $1",
        article.id,
        document,
    )
    published = await repo.update_article(
        conn,
        article.id,
        {
            "status": "published",
            "hidden": False,
            "published_revision": revision.number,
            "published_at": now,
            "first_published_at": article.first_published_at or now,
            "scheduled_at": None,
            "reason_code": None,
            "feedback": None,
            "village_code": revision.village_code,
            "category": revision.category,
            "search_title": revision.title.casefold(),
            "state_sequence": article.state_sequence + 1,
        },
    )
    events.append(
        ArticlePublished(
            article_id=article.id,
            kim_id=article.kim_id,
            village_code=revision.village_code,
            title=revision.title,
            published_at=now,
            revision=revision.number,
        )
    )
    events.append(public_state(published, revision, "published", now))
    await stage(conn, source, published, *events)
    return published


async def published_revision(conn: Connection, article: ArticleRow) -> RevisionRow:
    revision = await repo.get_revision(conn, article.id, article.published_revision or 0)
    assert revision is not None, "a published article keeps its published revision"
    return revision


# -- Diskominfo moderation -----------------------------------------------------------------


async def decide(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    *,
    approve: bool,
    reason_code: ReasonCode | None,
    feedback: str | None,
    actor: Actor,
    now: datetime,
) -> ArticleRow:
    """A moderator's decision on an article in Diskominfo review (the caller has checked the
    moderator's region and holds the case)."""
    article = await load(conn, article_id, lock=True)
    ensure_transition("approve" if approve else "reject", article)
    revision = await current_revision(conn, article)
    await close_cases(
        conn,
        "article",
        article.id,
        kind="submission",
        decision="approved" if approve else "rejected",
        reason_code=reason_code,
        by=actor.subject,
    )
    if approve:
        return await approve_revision(
            conn, source, article, revision, now, actor=actor, automatic=False, events=[]
        )
    assert reason_code is not None
    decided = decision_event(
        article, revision.number, "rejected", now, reason_code=reason_code, automatic=False
    )
    article = await reject(
        conn,
        source,
        article,
        revision.number,
        reason_code=reason_code,
        feedback=feedback,
        actor=actor,
        now=now,
    )
    await stage(conn, source, article, decided)
    return article


async def take_down(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    reason_code: ReasonCode,
    note: str | None,
    *,
    actor: Actor,
    now: datetime,
) -> ArticleRow:
    article = await load(conn, article_id, lock=True)
    ensure_transition("take_down", article)
    published = await published_revision(conn, article)
    article = await move(
        conn,
        article,
        published.number,
        "taken_down",
        "take_down",
        actor,
        reason_code=reason_code,
        note=note,
        changes={
            "status": "taken_down",
            "reason_code": reason_code,
            "feedback": note,
            "state_sequence": article.state_sequence + 1,
        },
    )
    await stage(
        conn,
        source,
        article,
        ArticleTakenDown(
            article_id=article.id,
            kim_id=article.kim_id,
            reason_code=reason_code,
            taken_down_at=now,
        ),
        public_state(article, published, "taken_down", now),
    )
    return article


async def restore(
    conn: Connection, source: EventSource, article_id: UUID, *, actor: Actor, now: datetime
) -> ArticleRow:
    """A taken-down article is published again (its published revision, unchanged)."""
    article = await load(conn, article_id, lock=True)
    ensure_transition("restore", article)
    return await _make_public(conn, source, article, actor=actor, now=now, action="restore")


async def _make_public(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    *,
    actor: Actor,
    now: datetime,
    action: str,
) -> ArticleRow:
    published = await published_revision(conn, article)
    article = await move(
        conn,
        article,
        published.number,
        "published",
        action,
        actor,
        changes={
            "status": "published",
            "hidden": False,
            "reason_code": None,
            "state_sequence": article.state_sequence + 1,
        },
    )
    await stage(
        conn,
        source,
        article,
        ArticleRestored(article_id=article.id, kim_id=article.kim_id, restored_at=now),
        public_state(article, published, "published", now),
    )
    return article


async def set_hidden(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    hidden: bool,
    *,
    actor: Actor,
    now: datetime,
    reason_code: ReasonCode | None = None,
) -> ArticleRow:
    """Hide a published article pending review (reader reports), or show it again."""
    article = await load(conn, article_id, lock=True)
    if article.status != "published":
        raise Conflict(
            f"An article that is {article.status} cannot be hidden or shown.",
            slug="invalid-transition",
        )
    if article.hidden == hidden:
        return article
    if not hidden:
        return await _make_public(conn, source, article, actor=actor, now=now, action="show")
    published = await published_revision(conn, article)
    article = await move(
        conn,
        article,
        published.number,
        "published",
        "hide",
        actor,
        reason_code=reason_code,
        changes={
            "hidden": True,
            "reason_code": reason_code,
            "state_sequence": article.state_sequence + 1,
        },
    )
    await stage(conn, source, article, public_state(article, published, "hidden", now))
    return article


async def publish_due(
    conn: Connection, source: EventSource, now: datetime, limit: int = 100
) -> int:
    """Publish scheduled articles whose time has come (the scheduler calls this)."""
    due = await conn.fetch(
        "SELECT id FROM articles WHERE status = 'scheduled' AND scheduled_at <= $1"
        " ORDER BY scheduled_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    system = Actor(SYSTEM, SYSTEM)
    for r in due:
        article = await load(conn, r["id"])
        revision = await current_revision(conn, article)
        await move(conn, article, revision.number, "published", "publish", system)
        await publish(conn, source, article, revision, now, [])
    return len(due)
