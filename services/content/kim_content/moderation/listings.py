"""Marketplace listings through the moderation pipeline (DESIGN §2, flow 3).

Marketplace publishes ``ListingSubmitted``; content screens the revision with the
kabupaten's policy and stores the result. Clean → approved automatically; block → rejected
automatically with a reason code; flag or review → a moderation case (24 h) that a moderator
decides with :func:`decide_listing`. Every decision is staged as ``ModerationDecided``
(``subject_type="listing"``) in the same transaction. An older revision arriving after a
newer one is ignored; a redelivered event never reaches here (the kit's inbox).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, get_args
from uuid import UUID

from kim_content.articles.screening import reason_of
from kim_content.articles.steps import Actor
from kim_content.moderation import cases
from kim_content.moderation.policy import policy_of
from kim_content.screening.engine import ScreeningResult, screen
from kim_content.screening.model import Submission
from kim_shared import outbox
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Invalid, NotFound
from kim_shared.events.types.content import ModerationDecided, ReasonCode
from kim_shared.events.types.marketplace import ListingSubmitted
from kim_shared.inbox.errors import PermanentError
from kim_shared.outbox import EventSource

REVIEW_DEADLINE: Final = timedelta(hours=24)
CASE_NOT_FOUND: Final = "The moderation case was not found."
REASON_CODES: Final[tuple[ReasonCode, ...]] = get_args(ReasonCode)

_GET: Final = (
    "SELECT listing_id, revision, kabupaten_code, status FROM listings_under_review"
    " WHERE listing_id = $1 FOR UPDATE"
)
_UPSERT: Final = (
    "INSERT INTO listings_under_review (listing_id, revision, kabupaten_code, village_code,"
    " title, description, photo_urls, seller_id, kim_id, status, submitted_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'in_review', $10, $11)"
    " ON CONFLICT (listing_id) DO UPDATE SET revision = EXCLUDED.revision,"
    " kabupaten_code = EXCLUDED.kabupaten_code, village_code = EXCLUDED.village_code,"
    " title = EXCLUDED.title, description = EXCLUDED.description,"
    " photo_urls = EXCLUDED.photo_urls, seller_id = EXCLUDED.seller_id,"
    " kim_id = EXCLUDED.kim_id, status = 'in_review', screening_id = NULL,"
    " reason_code = NULL, submitted_at = EXCLUDED.submitted_at, decided_at = NULL,"
    " updated_at = EXCLUDED.updated_at"
)
_SCREENED: Final = (
    "INSERT INTO screenings (subject_type, subject_id, revision, verdict, result, screened_at)"
    " VALUES ('listing', $1, $2, $3, $4, $5) RETURNING id"
)
_SET_SCREENING: Final = "UPDATE listings_under_review SET screening_id = $2 WHERE listing_id = $1"
_DECIDED: Final = (
    "UPDATE listings_under_review SET status = $3, reason_code = $4, decided_at = $5,"
    " updated_at = $5 WHERE listing_id = $1 AND revision = $2"
)
_CASE: Final = (
    "SELECT id, subject_id, revision, kabupaten_code, status FROM moderation_cases"
    " WHERE id = $1 AND subject_type = 'listing' FOR UPDATE"
)


@dataclass(frozen=True, slots=True)
class ListingCase:
    id: UUID
    listing_id: UUID
    revision: int
    kabupaten_code: str
    status: str


def submission_of(event: ListingSubmitted) -> Submission:
    """What a buyer will see: title, description and each photo URL, by field name."""
    fields = {"title": event.title, "description": event.description}
    for i, url in enumerate(event.photo_urls):
        fields[f"photo_urls.{i}"] = url
    return Submission(fields={k: v for k, v in fields.items() if v})


async def on_listing_submitted(
    conn: Connection, event: ListingSubmitted, *, source: EventSource, now: datetime
) -> None:
    """Screen the listing revision and decide automatically, or open a case.

    A listing whose village lies outside its kabupaten is refused (``PermanentError``: the
    kit dead-letters it): it would be screened with another tenant's policy.
    """
    if not event.village_code.startswith(event.kabupaten_code + "."):
        raise PermanentError(
            f"listing {event.listing_id}: village {event.village_code} is not in kabupaten "
            f"{event.kabupaten_code}"
        )
    current = await conn.fetchrow(_GET, event.listing_id)
    if current is not None and current["revision"] >= event.revision:
        return  # an older (or the same) revision arriving late: the newer one stands
    await conn.execute(
        _UPSERT,
        event.listing_id,
        event.revision,
        event.kabupaten_code,
        event.village_code,
        event.title,
        event.description,
        event.photo_urls,
        event.seller_id,
        event.kim_id,
        event.submitted_at,
        now,
    )
    policy = await policy_of(conn, event.kabupaten_code)
    result = await asyncio.to_thread(screen, submission_of(event), policy.rules, policy.watched)
    screening_id: int = await conn.fetchval(
        _SCREENED,
        event.listing_id,
        event.revision,
        result.verdict,
        result.model_dump(mode="json"),
        now,
    )
    await conn.execute(_SET_SCREENING, event.listing_id, screening_id)
    if result.verdict in ("flag", "review"):
        await cases.open_case(
            conn,
            subject_type="listing",
            subject_id=event.listing_id,
            revision=event.revision,
            kabupaten_code=event.kabupaten_code,
            kind="submission",
            deadline=now + REVIEW_DEADLINE,
            screening_id=screening_id,
        )
        return
    await _decide(
        conn,
        source,
        listing_id=event.listing_id,
        revision=event.revision,
        kabupaten_code=event.kabupaten_code,
        reason_code=_automatic_reason(result),
        automatic=True,
        by="system",
        now=now,
    )


def _automatic_reason(result: ScreeningResult) -> ReasonCode | None:
    """``None`` approves (clean); a blocked result rejects with the reason of its finding."""
    if result.verdict != "block":
        return None
    return reason_of(result)


async def decide_listing(
    conn: Connection,
    source: EventSource,
    case_id: UUID,
    approve: bool,
    reason_code: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """A moderator decides a listing's case: approve, or reject with a reason code.

    The caller checks that ``actor`` moderates the case's kabupaten. 404: no such listing
    case; 409: the case is already decided; 422: a rejection without a reason code.
    """
    row = await conn.fetchrow(_CASE, case_id)
    if row is None:
        raise NotFound(CASE_NOT_FOUND)
    case = ListingCase(
        row["id"], row["subject_id"], row["revision"], row["kabupaten_code"], row["status"]
    )
    if case.status != "open":
        raise Conflict(f"The case is already {case.status}.", slug="case-closed")
    code = _reason_code(approve, reason_code)
    current = await conn.fetchrow(_GET, case.listing_id)
    if current is None or current["revision"] != case.revision:
        raise Conflict("The listing changed since the case was opened.", slug="stale-case")
    await _decide(
        conn,
        source,
        listing_id=case.listing_id,
        revision=case.revision,
        kabupaten_code=case.kabupaten_code,
        reason_code=code,
        automatic=False,
        by=actor.subject,
        now=now,
    )


def _reason_code(approve: bool, reason_code: str | None) -> ReasonCode | None:
    if approve:
        return None
    for code in REASON_CODES:
        if code == reason_code:
            return code
    raise Invalid(
        f"A rejection needs a reason code, one of: {', '.join(REASON_CODES)}.",
        field="reason_code",
    )


async def _decide(
    conn: Connection,
    source: EventSource,
    *,
    listing_id: UUID,
    revision: int,
    kabupaten_code: str,
    reason_code: ReasonCode | None,
    automatic: bool,
    by: str,
    now: datetime,
) -> None:
    """Record the decision on the listing (``reason_code`` None = approved), close its open
    cases and stage the event."""
    decision: Literal["approved", "rejected"] = "approved" if reason_code is None else "rejected"
    await conn.execute(_DECIDED, listing_id, revision, decision, reason_code, now)
    await cases.close_cases(
        conn,
        "listing",
        listing_id,
        kind=None,
        decision=decision,
        reason_code=reason_code,
        by=by,
    )
    await outbox.add(
        conn,
        ModerationDecided(
            subject_type="listing",
            subject_id=listing_id,
            subject_revision=revision,
            kabupaten_code=kabupaten_code,
            decision=decision,
            reason_code=reason_code,
            automatic=automatic,
            decided_at=now,
        ),
        source,
        kabupaten=kabupaten_code,
    )
