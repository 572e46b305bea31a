"""SQL for articles, revisions, their transition log and the KIM's content settings.

Functions take the caller's connection and never open transactions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from kim_shared.db import Connection, from_record


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: UUID
    kim_id: UUID
    kabupaten_code: str
    kecamatan_code: str
    village_code: str
    category: str
    author_subject: str
    status: str
    hidden: bool
    current_revision: int
    submitted_revision: int | None
    published_revision: int | None
    scheduled_at: datetime | None
    first_published_at: datetime | None
    published_at: datetime | None
    reason_code: str | None
    feedback: str | None
    state_sequence: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RevisionRow:
    article_id: UUID
    number: int
    title: str
    body: str
    category: str
    village_code: str
    agenda_date: date | None
    agenda_place: str | None
    cover: dict[str, Any] | None
    media: list[dict[str, Any]]
    tags: list[str]
    shows_children: bool
    consent_reference: str | None
    consent_recorded_at: date | None
    scheduled_at: datetime | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class TransitionRow:
    revision: int
    from_status: str | None
    to_status: str
    action: str
    actor: str
    actor_role: str
    reason_code: str | None
    note: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class SettingsRow:
    kim_id: UUID
    editor_review: bool
    extra_villages: list[str]
    version: int


_ARTICLE_COLUMNS = ", ".join(ArticleRow.__dataclass_fields__)
_REVISION_COLUMNS = ", ".join(RevisionRow.__dataclass_fields__)


async def get_article(
    conn: Connection, article_id: UUID, *, lock: bool = False
) -> ArticleRow | None:
    sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = $1" + (" FOR UPDATE" if lock else "")
    r = await conn.fetchrow(sql, article_id)
    return from_record(ArticleRow, r) if r is not None else None


async def insert_article(conn: Connection, row: Mapping[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO articles (id, kim_id, kabupaten_code, kecamatan_code, village_code,"
        " category, author_subject, scheduled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        row["id"],
        row["kim_id"],
        row["kabupaten_code"],
        row["kecamatan_code"],
        row["village_code"],
        row["category"],
        row["author_subject"],
        row["scheduled_at"],
    )


async def insert_revision(
    conn: Connection, article_id: UUID, number: int, rev: Mapping[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO article_revisions (article_id, number, title, body, category, village_code,"
        " agenda_date, agenda_place, cover, media, tags, shows_children, consent_reference,"
        " consent_recorded_at, scheduled_at, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        article_id,
        number,
        rev["title"],
        rev["body"],
        rev["category"],
        rev["village_code"],
        rev["agenda_date"],
        rev["agenda_place"],
        rev["cover"],
        rev["media"],
        rev["tags"],
        rev["shows_children"],
        rev["consent_reference"],
        rev["consent_recorded_at"],
        rev["scheduled_at"],
        rev["created_by"],
    )


async def get_revision(conn: Connection, article_id: UUID, number: int) -> RevisionRow | None:
    r = await conn.fetchrow(
        f"SELECT {_REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 AND number = $2",
        article_id,
        number,
    )
    return from_record(RevisionRow, r) if r is not None else None


async def list_revisions(conn: Connection, article_id: UUID) -> list[RevisionRow]:
    rows = await conn.fetch(
        f"SELECT {_REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 ORDER BY number",
        article_id,
    )
    return [from_record(RevisionRow, r) for r in rows]


async def update_article(
    conn: Connection, article_id: UUID, changes: Mapping[str, Any]
) -> ArticleRow:
    """Set ``changes`` (column → value), bump the version and ``updated_at``; the new row."""
    assigns = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    r = await conn.fetchrow(
        f"UPDATE articles SET {assigns}, version = version + 1, updated_at = now()"
        f" WHERE id = $1 RETURNING {_ARTICLE_COLUMNS}",
        article_id,
        *changes.values(),
    )
    assert r is not None, "the caller holds the article"
    return from_record(ArticleRow, r)


async def record_transition(
    conn: Connection,
    article_id: UUID,
    revision: int,
    *,
    from_status: str | None,
    to_status: str,
    action: str,
    actor: str,
    actor_role: str,
    reason_code: str | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO article_transitions (article_id, revision, from_status, to_status, action,"
        " actor, actor_role, reason_code, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        article_id,
        revision,
        from_status,
        to_status,
        action,
        actor,
        actor_role,
        reason_code,
        note,
    )


async def list_transitions(conn: Connection, article_id: UUID) -> list[TransitionRow]:
    rows = await conn.fetch(
        "SELECT revision, from_status, to_status, action, actor, actor_role, reason_code, note, at"
        " FROM article_transitions WHERE article_id = $1 ORDER BY id",
        article_id,
    )
    return [from_record(TransitionRow, r) for r in rows]


async def author_record(conn: Connection, author_subject: str, since: datetime) -> tuple[int, int]:
    """(articles of the author ever approved, rejections of the author since ``since``)."""
    r = await conn.fetchrow(
        "SELECT count(DISTINCT t.article_id) FILTER (WHERE t.action IN ('approve', 'publish')"
        "   AND t.to_status IN ('published', 'scheduled')) AS approved,"
        " count(*) FILTER (WHERE t.to_status = 'rejected' AND t.at >= $2) AS rejected"
        " FROM article_transitions t JOIN articles a ON a.id = t.article_id"
        " WHERE a.author_subject = $1",
        author_subject,
        since,
    )
    assert r is not None
    return int(r["approved"]), int(r["rejected"])


async def get_settings(conn: Connection, kim_id: UUID) -> SettingsRow | None:
    r = await conn.fetchrow(
        "SELECT kim_id, editor_review, extra_villages, version FROM kim_content_settings"
        " WHERE kim_id = $1",
        kim_id,
    )
    return from_record(SettingsRow, r) if r is not None else None


async def put_settings(
    conn: Connection, kim_id: UUID, editor_review: bool, extra_villages: list[str], by: str
) -> SettingsRow:
    r = await conn.fetchrow(
        "INSERT INTO kim_content_settings (kim_id, editor_review, extra_villages, updated_by)"
        " VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (kim_id) DO UPDATE SET editor_review = EXCLUDED.editor_review,"
        " extra_villages = EXCLUDED.extra_villages, updated_by = EXCLUDED.updated_by,"
        " version = kim_content_settings.version + 1, updated_at = now()"
        " RETURNING kim_id, editor_review, extra_villages, version",
        kim_id,
        editor_review,
        extra_villages,
        by,
    )
    assert r is not None
    return from_record(SettingsRow, r)


async def insert_screening(
    conn: Connection, subject_type: str, subject_id: UUID, revision: int, verdict: str, result: Any
) -> int:
    screening_id: int = await conn.fetchval(
        "INSERT INTO screenings (subject_type, subject_id, revision, verdict, result)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        subject_type,
        subject_id,
        revision,
        verdict,
        result,
    )
    return screening_id


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    id: int
    revision: int
    verdict: str
    result: dict[str, Any]
    screened_at: datetime


async def latest_screening(
    conn: Connection, subject_type: str, subject_id: UUID
) -> ScreeningRow | None:
    r = await conn.fetchrow(
        "SELECT id, revision, verdict, result, screened_at FROM screenings"
        " WHERE subject_type = $1 AND subject_id = $2 ORDER BY id DESC LIMIT 1",
        subject_type,
        subject_id,
    )
    return from_record(ScreeningRow, r) if r is not None else None


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
