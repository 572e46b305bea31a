"""Readers report published articles; enough distinct reporters hide one pending review.

After ``threshold`` distinct readers (one report each per round) the article is hidden with
the most reported reason and an urgent report case opens with a 4-hour deadline
(Permenkominfo 5/2020). Deciding the case ends the round: upheld → taken down, dismissed →
shown again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, cast
from uuid import UUID

from kim_content import access
from kim_content.articles import publication, steps
from kim_content.articles.steps import SYSTEM, Actor
from kim_content.moderation.cases import audit, close_cases, open_case
from kim_shared.db import Connection
from kim_shared.errors import Conflict, NotFound
from kim_shared.events.types.content import ReasonCode
from kim_shared.outbox import EventSource

REPORT_DEADLINE: Final = timedelta(hours=4)

EXISTING: Final = (
    "SELECT reason_code, created_at FROM article_reports"
    " WHERE article_id = $1 AND reporter = $2 AND NOT resolved"
)
INSERT: Final = (
    "INSERT INTO article_reports (article_id, reporter, reason_code, note, created_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING created_at"
)
TALLY: Final = (
    "SELECT reason_code, count(*) AS reporters, min(id) AS first FROM article_reports"
    " WHERE article_id = $1 AND NOT resolved GROUP BY reason_code"
    " ORDER BY count(*) DESC, min(id)"
)
OPEN_ROUND: Final = (
    "UPDATE article_reports SET case_id = $2 WHERE article_id = $1 AND NOT resolved"
    " RETURNING reporter, reason_code"
)
RESOLVE: Final = "UPDATE article_reports SET resolved = true WHERE article_id = $1 AND NOT resolved"


@dataclass(frozen=True, slots=True)
class Reported:
    article_id: UUID
    reason_code: str
    created_at: datetime
    hidden: bool
    new: bool


async def report(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    *,
    reporter: str,
    reason_code: ReasonCode,
    note: str | None,
    threshold: int,
    now: datetime,
) -> Reported:
    """Record one reader's report (a repeat answers the first one, counted once)."""
    article = await steps.load(conn, article_id, lock=True)
    earlier = await conn.fetchrow(EXISTING, article_id, reporter)
    if earlier is not None:
        return Reported(
            article_id, earlier["reason_code"], earlier["created_at"], article.hidden, False
        )
    if article.status != "published":
        raise NotFound(access.ARTICLE_NOT_FOUND)
    if article.hidden:
        raise Conflict("This article is already hidden pending review.", slug="already-hidden")
    created_at = await conn.fetchval(INSERT, article_id, reporter, reason_code, note, now)
    tally = await conn.fetch(TALLY, article_id)
    reporters = sum(int(r["reporters"]) for r in tally)
    hidden = False
    if reporters >= threshold:
        top = cast(ReasonCode, tally[0]["reason_code"])
        await hide_for_review(conn, source, article_id, top, article.published_revision, now)
        hidden = True
    return Reported(article_id, reason_code, created_at, hidden, True)


async def hide_for_review(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    reason_code: ReasonCode,
    revision: int | None,
    now: datetime,
) -> UUID:
    article = await publication.set_hidden(
        conn,
        source,
        article_id,
        True,
        actor=Actor(SYSTEM, SYSTEM),
        now=now,
        reason_code=reason_code,
    )
    case_id = await open_case(
        conn,
        subject_type="article",
        subject_id=article_id,
        revision=revision or article.current_revision,
        kabupaten_code=article.kabupaten_code,
        kind="report",
        deadline=now + REPORT_DEADLINE,
        urgent=True,
    )
    for r in await conn.fetch(OPEN_ROUND, article_id, case_id):
        await audit(conn, case_id, "report", r["reporter"], reason_code=r["reason_code"])
    return case_id


async def tally(conn: Connection, article_id: UUID, case_id: UUID) -> list[tuple[str, int]]:
    rows = await conn.fetch(
        "SELECT reason_code, count(*) AS n FROM article_reports WHERE article_id = $1"
        " AND case_id = $2 GROUP BY reason_code ORDER BY count(*) DESC, reason_code",
        article_id,
        case_id,
    )
    return [(r["reason_code"], int(r["n"])) for r in rows]


async def uphold(
    conn: Connection,
    source: EventSource,
    article_id: UUID,
    *,
    reason_code: ReasonCode,
    feedback: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """The reports are right: the article is taken down with the moderator's reason."""
    article = await steps.load(conn, article_id, lock=True)
    if article.status == "published":
        await publication.take_down(
            conn, source, article_id, reason_code, feedback, actor=actor, now=now
        )
    await close_cases(
        conn,
        "article",
        article_id,
        kind="report",
        decision="upheld",
        reason_code=reason_code,
        by=actor.subject,
    )
    await conn.execute(RESOLVE, article_id)


async def dismiss(
    conn: Connection, source: EventSource, article_id: UUID, *, actor: Actor, now: datetime
) -> None:
    """The reports are not right: the article is shown again."""
    article = await steps.load(conn, article_id, lock=True)
    if article.status == "published" and article.hidden:
        await publication.set_hidden(conn, source, article_id, False, actor=actor, now=now)
    await close_cases(
        conn,
        "article",
        article_id,
        kind="report",
        decision="dismissed",
        reason_code=None,
        by=actor.subject,
    )
    await conn.execute(RESOLVE, article_id)
