"""Screening of an article revision: the engine (:mod:`kim_content.screening`) applied with
the kabupaten's rules and watched words, the result stored with the case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from kim_content.articles import repository as repo
from kim_content.articles.repository import ArticleRow, RevisionRow
from kim_content.moderation.policy import policy_of
from kim_content.screening.engine import ScreeningResult, screen
from kim_content.screening.model import Submission, Verdict
from kim_shared.db import Connection
from kim_shared.events.types.content import ReasonCode

_REASON_OF_CATEGORY: Final[dict[str, ReasonCode]] = {
    "nik": "data_pribadi",
    "kk": "data_pribadi",
    "phone": "data_pribadi",
    "email": "data_pribadi",
    "address": "data_pribadi",
    "pii": "data_pribadi",
    "children": "anak",
    "judi": "judi_pinjol",
    "pinjol": "judi_pinjol",
    "sara": "sara",
    "kasar": "kualitas",
}


@dataclass(frozen=True, slots=True)
class Screened:
    id: int
    verdict: Verdict
    rules_hit: list[str]
    reason_code: ReasonCode
    feedback: str | None


def submission_of(revision: RevisionRow) -> Submission:
    """Every text a reader will see, by field name (offsets in findings refer to these)."""
    fields: dict[str, str] = {"title": revision.title, "body": revision.body}
    if revision.cover is not None:
        fields["cover.alt"] = str(revision.cover.get("alt") or "")
    for i, media in enumerate(revision.media):
        fields[f"media.{i}.alt"] = str(media.get("alt") or "")
        if media.get("caption"):
            fields[f"media.{i}.caption"] = str(media["caption"])
    if revision.agenda_place:
        fields["agenda.place"] = revision.agenda_place
    if revision.tags:
        fields["tags"] = ", ".join(revision.tags)
    return Submission(
        fields={k: v for k, v in fields.items() if v},
        shows_children=revision.shows_children,
        guardian_consent=revision.consent_reference is not None,
    )


def reason_of(result: ScreeningResult) -> ReasonCode:
    """The reason code of a blocked result: its first blocking finding's category."""
    for rule in result.rule_results:
        if rule.outcome != "hit" or rule.action != "block":
            continue
        for finding in rule.findings:
            if finding.category in _REASON_OF_CATEGORY:
                return _REASON_OF_CATEGORY[finding.category]
        family = rule.rule_id.split(".", 1)[0]
        if family == "children":
            return "anak"
        if family == "pii":
            return "data_pribadi"
        if family == "spam":
            return "spam"
    return "kualitas"


async def screen_revision(conn: Connection, article: ArticleRow, revision: RevisionRow) -> Screened:
    """Screen ``revision`` with its kabupaten's policy and store the result."""
    policy = await policy_of(conn, article.kabupaten_code)
    # CPU-bound (tens of ms for a long body): off the event loop, so other requests go on
    result = await asyncio.to_thread(screen, submission_of(revision), policy.rules, policy.watched)
    screening_id = await repo.insert_screening(
        conn, "article", article.id, revision.number, result.verdict, result.model_dump(mode="json")
    )
    hit = [r.rule_id for r in result.rule_results if r.outcome == "hit"]
    blocked = result.verdict == "block"
    return Screened(
        id=screening_id,
        verdict=result.verdict,
        rules_hit=hit,
        reason_code=reason_of(result) if blocked else "kualitas",
        feedback="\n".join(result.blocked_reasons)[:2000] if blocked else None,
    )
