"""Article commands: one async function per command, on the caller's connection and
transaction; each records its transition and stages its events last.

Authorisation of *who* may act is checked here against the token and the KIM
projection (:mod:`kim_content.access`); *what* may happen is :mod:`.domain`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from kim_content import access
from kim_content.articles import repository as repo
from kim_content.articles.domain import (
    TrustPolicy,
    Verdict,
    after_editor_approval,
    route_submission,
)
from kim_content.articles.publication import reject, send_on
from kim_content.articles.repository import ArticleRow
from kim_content.articles.schemas import ArticleContent, ArticleCreate
from kim_content.articles.screening import screen_revision
from kim_content.articles.steps import (
    SYSTEM,
    Actor,
    current_revision,
    ensure_transition,
    load,
    move,
)
from kim_shared.auth import Principal
from kim_shared.auth.principal import PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound, ensure_version
from kim_shared.events.base import Event
from kim_shared.events.types.content import (
    ArticleScreened,
    ArticleSubmitted,
)
from kim_shared.outbox import EventSource
from kim_shared.projections.regions.lookups import active_village


def _check_version(article: ArticleRow, expected: Collection[int] | None) -> None:
    ensure_version(article.version, expected, "article")


async def _check_village(conn: Connection, kim_id: UUID, kecamatan: str, code: str) -> None:
    """The article's village must be an active village of the KIM's kecamatan, or one the
    KIM's settings add (422 otherwise, also for an unknown code)."""
    settings = await repo.get_settings(conn, kim_id)
    extra = settings.extra_villages if settings is not None else []
    inside = code.startswith(kecamatan + ".") or code in extra
    if not inside or await active_village(conn, code) is None:
        raise Invalid(
            "The village must be an active desa/kelurahan of the KIM's kecamatan "
            "or one its settings allow.",
            field="body.village_code",
        )


def _revision_values(content: ArticleContent, by: str) -> dict[str, Any]:
    return {
        "title": content.title,
        "body": content.body,
        "category": content.category,
        "village_code": content.village_code,
        "agenda_date": content.agenda.date if content.agenda else None,
        "agenda_place": content.agenda.place if content.agenda else None,
        "cover": content.cover.model_dump(mode="json") if content.cover else None,
        "media": [m.model_dump(mode="json") for m in content.media],
        "tags": list(content.tags),
        "shows_children": content.children.shown,
        "consent_reference": content.children.consent_reference,
        "consent_recorded_at": content.children.consent_recorded_on,
        "scheduled_at": content.scheduled_at,
        "created_by": by,
    }


def _ensure_future(content: ArticleContent, now: datetime) -> None:
    if content.scheduled_at is not None and content.scheduled_at <= now:
        raise Invalid("The publication time must be in the future.", field="body.scheduled_at")


# -- the author ---------------------------------------------------------------------------


async def create(
    conn: Connection, principal: Principal, body: ArticleCreate, now: datetime
) -> ArticleRow:
    """A new draft (revision 1) for an aktif KIM the caller serves."""
    kim, _ = await access.writing_membership(conn, principal, body.kim_id, today(now))
    _ensure_future(body, now)
    await _check_village(conn, kim.state.kim_id, kim.state.kecamatan_code, body.village_code)
    article_id = uuid4()
    await repo.insert_article(
        conn,
        {
            "id": article_id,
            "kim_id": kim.state.kim_id,
            "kabupaten_code": kim.state.kabupaten_code,
            "kecamatan_code": kim.state.kecamatan_code,
            "village_code": body.village_code,
            "category": body.category,
            "author_subject": principal.subject,
            "scheduled_at": body.scheduled_at,
        },
    )
    await repo.insert_revision(conn, article_id, 1, _revision_values(body, principal.subject))
    await repo.record_transition(
        conn,
        article_id,
        1,
        from_status=None,
        to_status="draft",
        action="create",
        actor=principal.subject,
        actor_role=_writer_role(principal),
    )
    return await load(conn, article_id)


def _writer_role(principal: Principal) -> str:
    return next(r for r in access.WRITER_ROLES if r in principal.roles)


async def _own_article(
    conn: Connection, principal: Principal, article_id: UUID, expected: Collection[int] | None
) -> ArticleRow:
    """The caller's own article, locked (404 for anyone else's)."""
    article = await load(conn, article_id, lock=True)
    if article.author_subject != principal.subject or not principal.acts_in(
        article.village_code, *access.WRITER_ROLES
    ):
        raise NotFound(access.ARTICLE_NOT_FOUND)
    _check_version(article, expected)
    return article


async def revise(
    conn: Connection,
    principal: Principal,
    article_id: UUID,
    expected: Collection[int],
    content: ArticleContent,
    now: datetime,
) -> ArticleRow:
    """A new revision of a draft or rejected article (the earlier ones are kept)."""
    article = await _own_article(conn, principal, article_id, expected)
    ensure_transition("revise", article)
    await access.writing_membership(conn, principal, article.kim_id, today(now))
    _ensure_future(content, now)
    await _check_village(conn, article.kim_id, article.kecamatan_code, content.village_code)
    number = article.current_revision + 1
    await repo.insert_revision(
        conn, article.id, number, _revision_values(content, principal.subject)
    )
    await repo.update_article(
        conn,
        article.id,
        {
            "current_revision": number,
            "village_code": content.village_code,
            "category": content.category,
            "scheduled_at": content.scheduled_at,
        },
    )
    await repo.record_transition(
        conn,
        article.id,
        number,
        from_status=article.status,
        to_status=article.status,
        action="revise",
        actor=principal.subject,
        actor_role=_writer_role(principal),
    )
    return await load(conn, article.id)


async def _trusted(conn: Connection, author: str, policy: TrustPolicy, now: datetime) -> bool:
    approved, rejected = await repo.author_record(
        conn, author, now - timedelta(days=policy.clean_days)
    )
    return policy.trusted(approved, rejected)


async def submit(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    article_id: UUID,
    expected: Collection[int] | None,
    policy: TrustPolicy,
    now: datetime,
) -> ArticleRow:
    """Submit the current revision: screen it, then route it (see :mod:`.domain`)."""
    article = await _own_article(conn, principal, article_id, expected)
    ensure_transition("submit", article)
    await access.writing_membership(conn, principal, article.kim_id, today(now))
    revision = await current_revision(conn, article)
    if revision.scheduled_at is not None and revision.scheduled_at <= now:
        raise Invalid(
            "The publication time has passed: choose a new one or none.", field="scheduled_at"
        )
    author = Actor(principal.subject, _writer_role(principal))
    await move(conn, article, revision.number, "submitted", "submit", author)
    screened = await screen_revision(conn, article, revision)
    article = await move(
        conn,
        article,
        revision.number,
        "screened",
        "screen",
        Actor(SYSTEM, SYSTEM),
        from_status="submitted",
        note=f"verdict: {screened.verdict}",
        changes={"submitted_revision": revision.number},
    )
    events: list[Event] = [
        ArticleSubmitted(
            article_id=article.id,
            kim_id=article.kim_id,
            kabupaten_code=article.kabupaten_code,
            village_code=revision.village_code,
            category=revision.category,  # type: ignore[arg-type]
            revision=revision.number,
            submitted_at=now,
        ),
        ArticleScreened(
            article_id=article.id,
            kim_id=article.kim_id,
            revision=revision.number,
            verdict=screened.verdict,
            rules_hit=screened.rules_hit,
            screened_at=now,
        ),
    ]
    if screened.verdict == "block":  # the author must fix it first
        return await reject(
            conn,
            source,
            article,
            revision.number,
            reason_code=screened.reason_code,
            feedback=screened.feedback,
            actor=Actor(SYSTEM, SYSTEM),
            now=now,
            from_status="screened",
            events=events,
        )
    settings = await repo.get_settings(conn, article.kim_id)
    route = route_submission(
        screened.verdict,
        editor_review=settings is not None and settings.editor_review,
        trusted=await _trusted(conn, article.author_subject, policy, now),
    )
    return await send_on(
        conn, source, article, revision, route, events, now, Actor(SYSTEM, SYSTEM), screened.id
    )


# -- KIM editors ---------------------------------------------------------------------------


async def editor_decide(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    article_id: UUID,
    approve: bool,
    feedback: str | None,
    policy: TrustPolicy,
    now: datetime,
) -> ArticleRow:
    """A KIM officer approves (on to Diskominfo) or returns (back to the author) an article."""
    article = await load(conn, article_id, lock=True)
    if not await access.is_officer_of(conn, principal, article.kim_id, today(now)) or not (
        principal.acts_in(article.village_code, PENGELOLA_KIM)
    ):
        raise NotFound(access.ARTICLE_NOT_FOUND)
    ensure_transition("editor_approve" if approve else "editor_return", article)
    revision = await current_revision(conn, article)
    actor = Actor(principal.subject, PENGELOLA_KIM)
    if not approve:  # inside the KIM: no event, the author revises
        return await move(
            conn,
            article,
            revision.number,
            "rejected",
            "editor_return",
            actor,
            reason_code="kualitas",
            note=feedback,
            changes={"status": "rejected", "reason_code": "kualitas", "feedback": feedback},
        )
    screening = await repo.latest_screening(conn, "article", article.id)
    verdict: Verdict = screening.verdict if screening is not None else "review"  # type: ignore[assignment]
    route = after_editor_approval(
        verdict, trusted=await _trusted(conn, article.author_subject, policy, now)
    )
    await move(conn, article, revision.number, route.status, "editor_approve", actor)
    screening_id = screening.id if screening is not None else None
    return await send_on(conn, source, article, revision, route, [], now, actor, screening_id)
