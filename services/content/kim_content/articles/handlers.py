"""Article commands: one async function per command, on the caller's connection and
transaction; each records its transition and stages its events last.

Authorisation of *who* may act is checked here against the token and the KIM
projection (:mod:`kim_content.access`); *what* may happen is :mod:`.domain`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID, uuid4

from kim_content import access
from kim_content.articles import repository as repo
from kim_content.articles.domain import (
    Action,
    InvalidTransition,
    Route,
    TrustPolicy,
    Verdict,
    after_editor_approval,
    ensure_allowed,
    route_submission,
)
from kim_content.articles.events import public_state, stage
from kim_content.articles.repository import ArticleRow, RevisionRow
from kim_content.articles.schemas import ArticleContent, ArticleCreate
from kim_content.articles.screening import screen_revision
from kim_content.moderation.cases import close_cases, open_case
from kim_content.publishing.render import plain_text
from kim_shared.auth import Principal
from kim_shared.auth.principal import PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Invalid, NotFound, ensure_version
from kim_shared.events.base import Event
from kim_shared.events.types.activity import ArticlePublished, ArticleRejected
from kim_shared.events.types.content import (
    ArticleApproved,
    ArticleRestored,
    ArticleScreened,
    ArticleSubmitted,
    ArticleTakenDown,
    ModerationDecided,
    ReasonCode,
)
from kim_shared.outbox import EventSource
from kim_shared.projections.regions.lookups import active_village
from kim_shared.search_text import stem_document

SYSTEM: Final = "system"
SUBMISSION_DEADLINE: Final = timedelta(hours=24)

_SCREENING_REASON: Final[dict[str, ReasonCode]] = {
    "pii": "data_pribadi",
    "children": "anak",
    "words": "judi_pinjol",
    "spam": "spam",
}


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


def _check_version(article: ArticleRow, expected: Collection[int] | None) -> None:
    ensure_version(article.version, expected, "article")


def _transition(action: Action, article: ArticleRow) -> None:
    try:
        ensure_allowed(action, article.status)
    except InvalidTransition as exc:
        raise Conflict(str(exc), slug="invalid-transition") from exc


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
    _transition("revise", article)
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
    _transition("submit", article)
    await access.writing_membership(conn, principal, article.kim_id, today(now))
    revision = await current_revision(conn, article)
    if revision.scheduled_at is not None and revision.scheduled_at <= now:
        raise Invalid(
            "The publication time has passed: choose a new one or none.", field="scheduled_at"
        )
    role = _writer_role(principal)
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status=article.status,
        to_status="submitted",
        action="submit",
        actor=principal.subject,
        actor_role=role,
    )
    screened = await screen_revision(conn, article, revision)
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status="submitted",
        to_status="screened",
        action="screen",
        actor=SYSTEM,
        actor_role=SYSTEM,
        note=f"verdict: {screened.verdict}",
    )
    settings = await repo.get_settings(conn, article.kim_id)
    trusted = await _trusted(conn, article.author_subject, policy, now)
    route = route_submission(
        screened.verdict,
        editor_review=settings is not None and settings.editor_review,
        trusted=trusted,
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
    await repo.update_article(conn, article.id, {"submitted_revision": revision.number})
    article = await load(conn, article.id)
    return await _apply_route(
        conn,
        source,
        article,
        revision,
        route,
        screened.verdict,
        screened,
        events,
        now,
        actor=Actor(SYSTEM, SYSTEM),
        screening_id=screened.id,
    )


async def _apply_route(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: RevisionRow,
    route: Route,
    verdict: Verdict,
    screened: Any,
    events: list[Event],
    now: datetime,
    *,
    actor: Actor,
    screening_id: int | None,
) -> ArticleRow:
    if route.status == "rejected":
        reason = screened.reason_code if screened is not None else "kualitas"
        await repo.update_article(
            conn,
            article.id,
            {"status": "rejected", "reason_code": reason, "feedback": screened.feedback},
        )
        await repo.record_transition(
            conn,
            article.id,
            revision.number,
            from_status="screened",
            to_status="rejected",
            action="reject",
            actor=SYSTEM,
            actor_role=SYSTEM,
            reason_code=reason,
            note=screened.feedback,
        )
        events.append(
            ArticleRejected(
                article_id=article.id,
                kim_id=article.kim_id,
                reason_code=reason,
                rejected_at=now,
                revision=revision.number,
            )
        )
        await stage(conn, source, article, *events)
        return await load(conn, article.id)
    if route.automatic_approval:
        return await _approve(
            conn, source, article, revision, now, actor=actor, automatic=True, events=events
        )
    await repo.update_article(
        conn, article.id, {"status": route.status, "reason_code": None, "feedback": None}
    )
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status=article.status,
        to_status=route.status,
        action="route",
        actor=actor.subject,
        actor_role=actor.role,
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
    return await load(conn, article.id)


async def _approve(
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
    events.append(
        ModerationDecided(
            subject_type="article",
            subject_id=article.id,
            subject_revision=revision.number,
            kabupaten_code=article.kabupaten_code,
            decision="approved",
            automatic=automatic,
            decided_at=now,
        )
    )
    if scheduled:
        await repo.update_article(
            conn,
            article.id,
            {
                "status": "scheduled",
                "scheduled_at": revision.scheduled_at,
                "reason_code": None,
                "feedback": None,
            },
        )
        await repo.record_transition(
            conn,
            article.id,
            revision.number,
            from_status=article.status,
            to_status="scheduled",
            action="approve",
            actor=actor.subject,
            actor_role=actor.role,
        )
        await stage(conn, source, article, *events)
        return await load(conn, article.id)
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status=article.status,
        to_status="published",
        action="approve",
        actor=actor.subject,
        actor_role=actor.role,
    )
    return await _publish(conn, source, article, revision, now, events)


async def _publish(
    conn: Connection,
    source: EventSource,
    article: ArticleRow,
    revision: RevisionRow,
    now: datetime,
    events: list[Event],
) -> ArticleRow:
    await repo.update_article(
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
        },
    )
    await conn.execute(
        "UPDATE articles SET search_document = to_tsvector('simple', $2) WHERE id = $1",
        article.id,
        await asyncio.to_thread(
            stem_document, revision.title, " ".join(revision.tags), plain_text(revision.body)
        ),
    )
    published = await load(conn, article.id)
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
    events.append(await _snapshot(conn, published, revision, "published", now))
    await stage(conn, source, published, *events)
    return await load(conn, article.id)


async def _snapshot(
    conn: Connection, article: ArticleRow, published: RevisionRow, status: Any, now: datetime
) -> Event:
    sequence = article.state_sequence + 1
    await conn.execute(
        "UPDATE articles SET state_sequence = $2 WHERE id = $1", article.id, sequence
    )
    return public_state(article, published, status, sequence, now)


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
    _transition("editor_approve" if approve else "editor_return", article)
    revision = await current_revision(conn, article)
    actor = Actor(principal.subject, PENGELOLA_KIM)
    if not approve:
        await repo.update_article(
            conn,
            article.id,
            {"status": "rejected", "reason_code": "kualitas", "feedback": feedback},
        )
        await repo.record_transition(
            conn,
            article.id,
            revision.number,
            from_status=article.status,
            to_status="rejected",
            action="editor_return",
            actor=actor.subject,
            actor_role=actor.role,
            reason_code="kualitas",
            note=feedback,
        )
        return await load(conn, article.id)
    screening = await repo.latest_screening(conn, "article", article.id)
    verdict: Verdict = screening.verdict if screening is not None else "review"  # type: ignore[assignment]
    trusted = await _trusted(conn, article.author_subject, policy, now)
    route = after_editor_approval(verdict, trusted=trusted)
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status=article.status,
        to_status=route.status,
        action="editor_approve",
        actor=actor.subject,
        actor_role=actor.role,
    )
    return await _apply_route(
        conn,
        source,
        article,
        revision,
        route,
        verdict,
        None,
        [],
        now,
        actor=actor,
        screening_id=screening.id if screening is not None else None,
    )


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
    _transition("approve" if approve else "reject", article)
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
        return await _approve(
            conn, source, article, revision, now, actor=actor, automatic=False, events=[]
        )
    assert reason_code is not None
    await repo.update_article(
        conn, article.id, {"status": "rejected", "reason_code": reason_code, "feedback": feedback}
    )
    await repo.record_transition(
        conn,
        article.id,
        revision.number,
        from_status=article.status,
        to_status="rejected",
        action="reject",
        actor=actor.subject,
        actor_role=actor.role,
        reason_code=reason_code,
        note=feedback,
    )
    await stage(
        conn,
        source,
        article,
        ArticleRejected(
            article_id=article.id,
            kim_id=article.kim_id,
            reason_code=reason_code,
            rejected_at=now,
            revision=revision.number,
        ),
        ModerationDecided(
            subject_type="article",
            subject_id=article.id,
            subject_revision=revision.number,
            kabupaten_code=article.kabupaten_code,
            decision="rejected",
            reason_code=reason_code,
            automatic=False,
            decided_at=now,
        ),
    )
    return await load(conn, article.id)


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
    _transition("take_down", article)
    published = await repo.get_revision(conn, article.id, article.published_revision or 0)
    assert published is not None
    await repo.update_article(
        conn, article.id, {"status": "taken_down", "reason_code": reason_code, "feedback": note}
    )
    await repo.record_transition(
        conn,
        article.id,
        published.number,
        from_status=article.status,
        to_status="taken_down",
        action="take_down",
        actor=actor.subject,
        actor_role=actor.role,
        reason_code=reason_code,
        note=note,
    )
    article = await load(conn, article.id)
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
        await _snapshot(conn, article, published, "taken_down", now),
    )
    return await load(conn, article.id)


async def restore(
    conn: Connection, source: EventSource, article_id: UUID, *, actor: Actor, now: datetime
) -> ArticleRow:
    """A taken-down article is published again (its published revision, unchanged)."""
    article = await load(conn, article_id, lock=True)
    _transition("restore", article)
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
    published = await repo.get_revision(conn, article.id, article.published_revision or 0)
    assert published is not None
    await repo.update_article(
        conn, article.id, {"status": "published", "hidden": False, "reason_code": None}
    )
    await repo.record_transition(
        conn,
        article.id,
        published.number,
        from_status=article.status,
        to_status="published",
        action=action,
        actor=actor.subject,
        actor_role=actor.role,
    )
    article = await load(conn, article.id)
    await stage(
        conn,
        source,
        article,
        ArticleRestored(article_id=article.id, kim_id=article.kim_id, restored_at=now),
        await _snapshot(conn, article, published, "published", now),
    )
    return await load(conn, article.id)


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
    published = await repo.get_revision(conn, article.id, article.published_revision or 0)
    assert published is not None
    await repo.update_article(conn, article.id, {"hidden": True, "reason_code": reason_code})
    await repo.record_transition(
        conn,
        article.id,
        published.number,
        from_status="published",
        to_status="published",
        action="hide",
        actor=actor.subject,
        actor_role=actor.role,
        reason_code=reason_code,
    )
    article = await load(conn, article.id)
    await stage(conn, source, article, await _snapshot(conn, article, published, "hidden", now))
    return await load(conn, article.id)


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
    for r in due:
        article = await load(conn, r["id"])
        revision = await current_revision(conn, article)
        await repo.record_transition(
            conn,
            article.id,
            revision.number,
            from_status="scheduled",
            to_status="published",
            action="publish",
            actor=SYSTEM,
            actor_role=SYSTEM,
        )
        await _publish(conn, source, article, revision, now, [])
    return len(due)


def screening_reason(rule_ids: list[str]) -> ReasonCode:
    """The reason code a blocked screening is rejected with (its first blocking rule's family)."""
    for rule_id in rule_ids:
        family = rule_id.split(".", 1)[0]
        if family in _SCREENING_REASON:
            return _SCREENING_REASON[family]
    return "kualitas"
