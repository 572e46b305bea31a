"""Moderation cases: opened when content needs a human, closed by a decision.

One open case per subject and kind (a unique index); every step goes to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from kim_shared.db import Connection

SubjectType = Literal["article", "listing"]
CaseKind = Literal["submission", "report", "appeal"]


async def audit(conn: Connection, case_id: UUID, action: str, actor: str, **detail: Any) -> None:
    await conn.execute(
        "INSERT INTO moderation_audit (case_id, action, actor, detail) VALUES ($1, $2, $3, $4)",
        case_id,
        action,
        actor,
        detail,
    )


async def open_case(
    conn: Connection,
    *,
    subject_type: SubjectType,
    subject_id: UUID,
    revision: int,
    kabupaten_code: str,
    kind: CaseKind,
    deadline: datetime,
    urgent: bool = False,
    screening_id: int | None = None,
    actor: str = "system",
) -> UUID:
    """Open a case, or return the open one of the same subject and kind (updated to this
    revision and the earlier of the two deadlines)."""
    case_id: UUID = await conn.fetchval(
        "INSERT INTO moderation_cases (id, subject_type, subject_id, revision, kabupaten_code,"
        " kind, urgent, deadline, screening_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (subject_type, subject_id, kind) WHERE status = 'open' DO UPDATE SET"
        " revision = EXCLUDED.revision, urgent = moderation_cases.urgent OR EXCLUDED.urgent,"
        " deadline = LEAST(moderation_cases.deadline, EXCLUDED.deadline),"
        " screening_id = COALESCE(EXCLUDED.screening_id, moderation_cases.screening_id),"
        " version = moderation_cases.version + 1"
        " RETURNING id",
        uuid4(),
        subject_type,
        subject_id,
        revision,
        kabupaten_code,
        kind,
        urgent,
        deadline,
        screening_id,
    )
    await audit(conn, case_id, "open", actor, kind=kind, revision=revision)
    return case_id


async def close_cases(
    conn: Connection,
    subject_type: SubjectType,
    subject_id: UUID,
    *,
    kind: CaseKind | None,
    decision: str,
    reason_code: str | None,
    by: str,
) -> list[UUID]:
    """Decide the subject's open cases (of ``kind``, or all); returns their ids."""
    rows = await conn.fetch(
        "UPDATE moderation_cases SET status = 'decided', decision = $4, reason_code = $5,"
        " decided_by = $6, decided_at = now(), version = version + 1"
        " WHERE subject_type = $1 AND subject_id = $2 AND status = 'open'"
        " AND ($3::text IS NULL OR kind = $3) RETURNING id",
        subject_type,
        subject_id,
        kind,
        decision,
        reason_code,
        by,
    )
    for r in rows:
        await audit(conn, r["id"], "decide", by, decision=decision, reason_code=reason_code)
    return [r["id"] for r in rows]
