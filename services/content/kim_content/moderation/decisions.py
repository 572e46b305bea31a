"""A moderator's decision on a case, by kind: a submission is approved or rejected, a
report upheld or dismissed, an appeal granted or denied. The caller has checked the
moderator's region; here the claim is checked and the decision carried out."""

from __future__ import annotations

from datetime import datetime, timedelta

from kim_content.articles import publication
from kim_content.articles.steps import Actor
from kim_content.moderation import appeals, reports
from kim_content.moderation.listings import decide_listing
from kim_content.moderation.queue import CaseRow, ensure_holder
from kim_content.moderation.schemas import DECISIONS, NEEDS_REASON, CaseDecision
from kim_shared.db import Connection
from kim_shared.errors import Invalid
from kim_shared.outbox import EventSource


def _check(case: CaseRow, body: CaseDecision) -> None:
    allowed = DECISIONS[case.kind]
    if body.decision not in allowed:
        raise Invalid(
            f"A {case.kind} case is decided with {' or '.join(sorted(allowed))}.",
            field="decision",
        )
    if body.decision in NEEDS_REASON and body.reason_code is None:
        raise Invalid(f"'{body.decision}' needs a reason_code.", field="reason_code")


async def decide_case(
    conn: Connection,
    source: EventSource,
    case: CaseRow,
    body: CaseDecision,
    *,
    actor: Actor,
    now: datetime,
    claim_ttl: timedelta,
) -> None:
    ensure_holder(case, subject=actor.subject, now=now, ttl=claim_ttl)
    _check(case, body)
    if case.subject_type == "listing":
        await _decide_listing(conn, source, case, body, actor=actor, now=now)
    elif case.kind == "submission":
        await publication.decide(
            conn,
            source,
            case.subject_id,
            approve=body.decision == "approve",
            reason_code=body.reason_code,
            feedback=body.feedback,
            actor=actor,
            now=now,
        )
    elif case.kind == "report" and body.decision == "uphold":
        assert body.reason_code is not None
        await reports.uphold(
            conn,
            source,
            case.subject_id,
            reason_code=body.reason_code,
            feedback=body.feedback,
            actor=actor,
            now=now,
        )
    elif case.kind == "report":
        await reports.dismiss(conn, source, case.subject_id, actor=actor, now=now)
    elif body.decision == "grant":
        await appeals.grant(conn, source, case.id, actor=actor, now=now)
    else:
        await appeals.deny(conn, case.id, body.reason_code, actor=actor, now=now)


async def _decide_listing(
    conn: Connection,
    source: EventSource,
    case: CaseRow,
    body: CaseDecision,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Marketplace listings are decided by the listing pipeline."""
    await decide_listing(
        conn, source, case.id, body.decision == "approve", body.reason_code, actor, now
    )
