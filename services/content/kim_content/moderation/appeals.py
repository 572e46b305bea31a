"""Authors appeal a rejection, a hiding or a takedown; the appeal is a case in the queue.

One open appeal per article. Granting undoes what was appealed against: a taken-down
article is restored, a hidden one shown again (its report round dismissed), a rejected one
goes back to Diskominfo review with a new submission case. Denying leaves it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID, uuid4

from kim_content import access
from kim_content.articles import publication, steps
from kim_content.articles import repository as repo
from kim_content.articles.repository import ArticleRow
from kim_content.articles.steps import Actor
from kim_content.moderation import reports
from kim_content.moderation.cases import audit, close_cases, open_case
from kim_shared.auth import Principal
from kim_shared.db import Connection, from_record
from kim_shared.errors import Conflict, NotFound
from kim_shared.events.types.content import ReasonCode
from kim_shared.outbox import EventSource

APPEAL_DEADLINE: Final = timedelta(hours=24)

_COLUMNS: Final = (
    "id, article_id, case_id, statement, from_status, reason_code, status, created_at, decided_at"
)
OPEN_APPEAL: Final = f"SELECT {_COLUMNS} FROM appeals WHERE article_id = $1 AND status = 'open'"
BY_ID: Final = f"SELECT {_COLUMNS} FROM appeals WHERE id = $1"
BY_CASE: Final = f"SELECT {_COLUMNS} FROM appeals WHERE case_id = $1"
INSERT: Final = (
    "INSERT INTO appeals (id, article_id, case_id, author, statement, from_status, reason_code)"
    f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}"
)
SETTLE: Final = "UPDATE appeals SET status = $2, decided_at = $3 WHERE id = $1"


@dataclass(frozen=True, slots=True)
class AppealRow:
    id: UUID
    article_id: UUID
    case_id: UUID
    statement: str
    from_status: str
    reason_code: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None


def appealable(article: ArticleRow) -> str | None:
    """What there is to appeal against: ``rejected``, ``hidden``, ``taken_down`` or nothing."""
    if article.status in ("rejected", "taken_down"):
        return article.status
    if article.status == "published" and article.hidden:
        return "hidden"
    return None


async def by_id(conn: Connection, appeal_id: UUID) -> AppealRow | None:
    r = await conn.fetchrow(BY_ID, appeal_id)
    return from_record(AppealRow, r) if r is not None else None


async def by_case(conn: Connection, case_id: UUID) -> AppealRow | None:
    r = await conn.fetchrow(BY_CASE, case_id)
    return from_record(AppealRow, r) if r is not None else None


async def appeal(
    conn: Connection, article_id: UUID, *, principal: Principal, statement: str, now: datetime
) -> AppealRow:
    article = await steps.load(conn, article_id, lock=True)
    if article.author_subject != principal.subject or not principal.acts_in(
        article.village_code, *access.WRITER_ROLES
    ):
        raise NotFound(access.ARTICLE_NOT_FOUND)
    against = appealable(article)
    if against is None:
        raise Conflict(
            "Only a rejected, hidden or taken-down article can be appealed.",
            slug="invalid-transition",
        )
    if await conn.fetchrow(OPEN_APPEAL, article_id) is not None:
        raise Conflict("This article already has an open appeal.", slug="appeal-open")
    case_id = await open_case(
        conn,
        subject_type="article",
        subject_id=article_id,
        revision=article.current_revision,
        kabupaten_code=article.kabupaten_code,
        kind="appeal",
        deadline=now + APPEAL_DEADLINE,
        actor=principal.subject,
    )
    r = await conn.fetchrow(
        INSERT,
        uuid4(),
        article_id,
        case_id,
        principal.subject,
        statement,
        against,
        article.reason_code,
    )
    assert r is not None
    row = from_record(AppealRow, r)
    await audit(conn, case_id, "appeal", principal.subject, appeal_id=str(row.id), against=against)
    return row


async def grant(
    conn: Connection, source: EventSource, case_id: UUID, *, actor: Actor, now: datetime
) -> None:
    found = await by_case(conn, case_id)
    assert found is not None, "every appeal case has its appeal"
    article = await steps.load(conn, found.article_id, lock=True)
    if appealable(article) != found.from_status:
        raise Conflict(
            "The article has changed since the appeal; deny it or decide the article anew.",
            slug="article-changed",
        )
    if found.from_status == "taken_down":
        await publication.restore(conn, source, article.id, actor=actor, now=now)
    elif found.from_status == "hidden":
        await reports.dismiss(conn, source, article.id, actor=actor, now=now)
    else:
        await _back_to_review(conn, article, actor=actor, now=now)
    await _settle(conn, found, "granted", None, actor, now)


async def deny(
    conn: Connection,
    case_id: UUID,
    reason_code: ReasonCode | None,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    found = await by_case(conn, case_id)
    assert found is not None, "every appeal case has its appeal"
    await _settle(conn, found, "denied", reason_code, actor, now)


async def _settle(
    conn: Connection,
    found: AppealRow,
    status: str,
    reason_code: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    await close_cases(
        conn,
        "article",
        found.article_id,
        kind="appeal",
        decision="approved" if status == "granted" else "rejected",
        reason_code=reason_code,
        by=actor.subject,
    )
    await conn.execute(SETTLE, found.id, status, now)


async def _back_to_review(
    conn: Connection, article: ArticleRow, *, actor: Actor, now: datetime
) -> None:
    """A rejection overturned on appeal: Diskominfo reviews the article again."""
    await repo.update_article(
        conn,
        article.id,
        {
            "status": "diskominfo_review",
            "submitted_revision": article.current_revision,
            "reason_code": None,
            "feedback": None,
        },
    )
    await repo.record_transition(
        conn,
        article.id,
        article.current_revision,
        from_status="rejected",
        to_status="diskominfo_review",
        action="appeal_granted",
        actor=actor.subject,
        actor_role=actor.role,
    )
    screening = await repo.latest_screening(conn, "article", article.id)
    await open_case(
        conn,
        subject_type="article",
        subject_id=article.id,
        revision=article.current_revision,
        kabupaten_code=article.kabupaten_code,
        kind="submission",
        deadline=now + publication.SUBMISSION_DEADLINE,
        screening_id=screening.id if screening is not None else None,
        actor=actor.subject,
    )
