"""The events an article's changes stage in the outbox (no author data in any of them)."""

from __future__ import annotations

from datetime import datetime

from kim_content.articles.repository import ArticleRow, RevisionRow
from kim_content.publishing.render import summary
from kim_shared.db import Connection
from kim_shared.events.base import Event
from kim_shared.events.types.content import ArticleStateChanged, PublicStatus
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import add


async def stage(conn: Connection, source: EventSource, article: ArticleRow, *events: Event) -> None:
    """Stage ``events`` in the caller's transaction, tagged with the article's kabupaten."""
    for event in events:
        await add(conn, event, source, kabupaten=article.kabupaten_code)


def public_state(
    article: ArticleRow, published: RevisionRow, status: PublicStatus, at: datetime
) -> ArticleStateChanged:
    """The article's public snapshot numbered ``article.state_sequence`` (the caller has
    counted it up): text only while it is public."""
    assert article.first_published_at is not None
    assert article.published_revision is not None
    public = status == "published"
    return ArticleStateChanged(
        article_id=article.id,
        sequence=article.state_sequence,
        status=status,
        kim_id=article.kim_id,
        kabupaten_code=article.kabupaten_code,
        kecamatan_code=article.kecamatan_code,
        village_code=published.village_code,
        category=published.category,  # type: ignore[arg-type]
        published_revision=article.published_revision,
        title=published.title if public else None,
        summary=summary(published.body) if public else None,
        tags=list(published.tags) if public else [],
        agenda_date=published.agenda_date,
        first_published_at=article.first_published_at,
        changed_at=at,
    )
