"""``screen``: run every enabled rule over a submission and combine the outcomes.

The verdict is the strongest outcome: clean < flag < review < block (censor counts
as flag, the text being masked in ``censored``). The result is plain JSON
(``model_dump(mode="json")``) for a jsonb column.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from kim_shared.errors import Invalid

from .context import ScreenContext
from .detectors import KINDS
from .messages import reason
from .model import (
    Action,
    Finding,
    Outcome,
    Submission,
    Verdict,
    action_rank,
    strongest_verdict,
    verdict_of,
)
from .rules import Rule
from .watchwords import WatchedWord, censor

#: Findings kept per rule (the count is always exact); reasons per rule likewise.
MAX_FINDINGS = 100
MAX_REASONS = 10


class RuleResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    kind: str
    #: The configured action when passed; the strongest finding's action when hit.
    action: Action
    outcome: Outcome
    findings: list[Finding] = Field(default_factory=list)
    finding_count: int = 0


class ScreeningResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    rule_results: list[RuleResult]
    #: Field → text with every censor finding masked (only fields that changed).
    censored: dict[str, str] = Field(default_factory=dict)
    #: Why publication is blocked, for the author (Bahasa Indonesia).
    blocked_reasons: list[str] = Field(default_factory=list)
    #: Other hits (review, flag, censor), for the author and the moderator.
    reasons: list[str] = Field(default_factory=list)

    @property
    def hits(self) -> list[RuleResult]:
        return [r for r in self.rule_results if r.outcome == "hit"]


def screen(
    submission: Submission, rules: Sequence[Rule], watched: Sequence[WatchedWord]
) -> ScreeningResult:
    """Screen ``submission`` with the enabled ``rules`` and the kabupaten's ``watched`` words.

    Rules should come from :func:`load_rules`/:func:`default_rules`, which check them;
    a rule of an unknown kind built by hand raises ``Invalid`` here.
    """
    ctx = ScreenContext(submission, watched)
    results: list[RuleResult] = []
    verdicts: list[Verdict] = []
    blocked: list[str] = []
    others: list[str] = []
    to_censor: dict[str, list[tuple[int, int]]] = {}
    for rule in rules:
        if not rule.enabled:
            continue
        kind = KINDS.get(rule.kind)
        if kind is None:
            raise Invalid(
                f"Unknown screening rule kind {rule.kind!r}.", field=f"rules.{rule.id}.kind"
            )
        findings = sorted(
            kind.detect(ctx, rule.parsed_params(), rule.action),
            key=lambda f: (f.field, f.start, f.end),
        )
        if not findings:
            results.append(
                RuleResult(rule_id=rule.id, kind=rule.kind, action=rule.action, outcome="passed")
            )
            continue
        action = max((f.action for f in findings), key=action_rank)
        verdicts.append(verdict_of(action))
        results.append(
            RuleResult(
                rule_id=rule.id,
                kind=rule.kind,
                action=action,
                outcome="hit",
                findings=findings[:MAX_FINDINGS],
                finding_count=len(findings),
            )
        )
        for f in findings:
            if f.action == "censor":
                to_censor.setdefault(f.field, []).append((f.start, f.end))
        for target, action_filter in ((blocked, True), (others, False)):
            texts = [reason(f) for f in findings if (f.action == "block") is action_filter]
            target.extend(texts[:MAX_REASONS])
            if len(texts) > MAX_REASONS:
                target.append(f"… dan {len(texts) - MAX_REASONS} temuan lain ({rule.id}).")
    censored = {
        field: censor(submission.fields[field], spans) for field, spans in to_censor.items()
    }
    return ScreeningResult(
        verdict=strongest_verdict(verdicts),
        rule_results=results,
        censored=censored,
        blocked_reasons=blocked,
        reasons=others,
    )
