"""The moderation queue of a kabupaten: cases ordered by deadline, claims, the audit log.

A claim is a conditional ``UPDATE … WHERE claimed_by IS NULL`` (or the earlier claim has
expired), so of two moderators claiming at once exactly one wins; the other gets a 409.
Only the holder of a live claim releases or decides a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from uuid import UUID

from kim_content.moderation.cases import audit
from kim_shared.db import Connection, from_record
from kim_shared.errors import Conflict, NotFound

CASE_NOT_FOUND: Final = "The moderation case was not found."
DEFAULT_CLAIM_TTL: Final = timedelta(hours=2)

ClaimFilter = Literal["mine", "unclaimed", "any"]


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: UUID
    subject_type: str
    subject_id: UUID
    revision: int
    kabupaten_code: str
    kind: str
    urgent: bool
    status: str
    screening_id: int | None
    deadline: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    decision: str | None
    reason_code: str | None
    decided_by: str | None
    decided_at: datetime | None
    version: int
    created_at: datetime
    title: str | None
    verdict: str | None

    def holder(self, now: datetime, ttl: timedelta) -> str | None:
        """Who holds the case now (nobody once the claim is older than ``ttl``)."""
        if self.claimed_at is None or self.claimed_at <= now - ttl:
            return None
        return self.claimed_by


@dataclass(frozen=True, slots=True)
class QueueFilter:
    kabupaten_code: str
    kind: str | None = None
    subject_type: str | None = None
    urgent: bool | None = None
    claimed: ClaimFilter = "any"
    overdue: bool | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class AuditRow:
    action: str
    actor: str
    detail: dict[str, Any]
    at: datetime


_SELECT: Final = (
    "SELECT c.id, c.subject_type, c.subject_id, c.revision, c.kabupaten_code, c.kind,"
    " c.urgent, c.status, c.screening_id, c.deadline, c.claimed_by, c.claimed_at, c.decision,"
    " c.reason_code, c.decided_by, c.decided_at, c.version, c.created_at,"
    " r.title, s.verdict"
    " FROM moderation_cases c"
    " LEFT JOIN article_revisions r ON c.subject_type = 'article'"
    " AND r.article_id = c.subject_id AND r.number = c.revision"
    " LEFT JOIN screenings s ON s.id = c.screening_id"
)

GET_CASE: Final = _SELECT + " WHERE c.id = $1"

QUEUE: Final = (
    _SELECT + " WHERE c.status = 'open' AND c.kabupaten_code = $1"
    " AND ($2::text IS NULL OR c.kind = $2)"
    " AND ($3::text IS NULL OR c.subject_type = $3)"
    " AND ($4::boolean IS NULL OR c.urgent = $4)"
    " AND ($5::text = 'any'"
    "  OR ($5 = 'mine' AND c.claimed_by = $6 AND c.claimed_at > $7::timestamptz - $8::interval)"
    "  OR ($5 = 'unclaimed' AND (c.claimed_by IS NULL"
    "      OR c.claimed_at <= $7::timestamptz - $8::interval)))"
    " AND ($9::boolean IS NULL OR (c.deadline < $7) = $9)"
    " ORDER BY c.deadline, c.created_at, c.id LIMIT $10"
)

CLAIM: Final = (
    "UPDATE moderation_cases SET claimed_by = $2, claimed_at = $3, version = version + 1"
    " WHERE id = $1 AND status = 'open'"
    " AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_at <= $3::timestamptz - $4::interval)"
    " RETURNING id"
)

RELEASE: Final = (
    "UPDATE moderation_cases SET claimed_by = NULL, claimed_at = NULL, version = version + 1"
    " WHERE id = $1 AND status = 'open' AND claimed_by = $2"
    " AND claimed_at > $3::timestamptz - $4::interval RETURNING id"
)

LOCK_CASE: Final = "SELECT id FROM moderation_cases WHERE id = $1 FOR UPDATE"

AUDIT: Final = (
    "SELECT action, actor, detail, at FROM moderation_audit WHERE case_id = $1 ORDER BY id"
)


async def get_case(conn: Connection, case_id: UUID, *, lock: bool = False) -> CaseRow:
    if lock:
        await conn.fetchval(LOCK_CASE, case_id)
    r = await conn.fetchrow(GET_CASE, case_id)
    if r is None:
        raise NotFound(CASE_NOT_FOUND)
    return from_record(CaseRow, r)


async def queue(
    conn: Connection, f: QueueFilter, *, subject: str, now: datetime, ttl: timedelta
) -> list[CaseRow]:
    rows = await conn.fetch(
        QUEUE,
        f.kabupaten_code,
        f.kind,
        f.subject_type,
        f.urgent,
        f.claimed,
        subject,
        now,
        ttl,
        f.overdue,
        f.limit,
    )
    return [from_record(CaseRow, r) for r in rows]


async def claim(
    conn: Connection, case: CaseRow, *, subject: str, now: datetime, ttl: timedelta
) -> None:
    """Take the case (or renew one's own claim); 409 while someone else holds it."""
    if case.status != "open":
        raise Conflict("This case has been decided.", slug="case-closed")
    taken = await conn.fetchval(CLAIM, case.id, subject, now, ttl)
    if taken is None:
        raise Conflict("Another moderator holds this case.", slug="case-claimed")
    await audit(conn, case.id, "claim", subject)


async def release(
    conn: Connection, case: CaseRow, *, subject: str, now: datetime, ttl: timedelta
) -> None:
    if await conn.fetchval(RELEASE, case.id, subject, now, ttl) is None:
        raise Conflict("Only the moderator who holds this case can release it.", slug="not-holder")
    await audit(conn, case.id, "release", subject)


def ensure_holder(case: CaseRow, *, subject: str, now: datetime, ttl: timedelta) -> None:
    """The case is open and ``subject`` holds a live claim on it (409 otherwise)."""
    if case.status != "open":
        raise Conflict("This case has been decided.", slug="case-closed")
    if case.holder(now, ttl) != subject:
        raise Conflict(
            "Claim the case before deciding it; another moderator may hold it.",
            slug="not-holder",
        )


async def audit_log(conn: Connection, case_id: UUID) -> list[AuditRow]:
    return [from_record(AuditRow, r) for r in await conn.fetch(AUDIT, case_id)]
