"""Value types shared by the screening modules: actions, verdicts, findings, submissions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["block", "review", "flag", "censor"]
Verdict = Literal["clean", "flag", "review", "block"]
Outcome = Literal["passed", "hit"]

#: Strength of an action for the overall verdict; censor counts as flag (the text is masked).
_ACTION_VERDICT: Mapping[Action, Verdict] = {
    "block": "block",
    "review": "review",
    "flag": "flag",
    "censor": "flag",
}
_VERDICT_RANK: Mapping[Verdict, int] = {"clean": 0, "flag": 1, "review": 2, "block": 3}


def verdict_of(action: Action) -> Verdict:
    """The verdict an action leads to (``censor`` → ``flag``)."""
    return _ACTION_VERDICT[action]


def verdict_rank(verdict: Verdict) -> int:
    """clean < flag < review < block."""
    return _VERDICT_RANK[verdict]


def action_rank(action: Action) -> int:
    """Order of actions; ``censor`` ranks just above ``flag`` so masking wins a tie."""
    return {"flag": 1, "censor": 2, "review": 3, "block": 4}[action]


def strongest_verdict(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=verdict_rank, default="clean")


class Finding(BaseModel):
    """One place in one field that a rule objects to.

    ``start``/``end`` are Python string offsets (code points, half-open) into the
    original field text. ``preview`` is masked: the matched value itself is never stored.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    category: str
    preview: str
    action: Action


class Submission(BaseModel):
    """What is screened: every text field by name, plus the children flags.

    Field names are free (``title``, ``body``, ``media.0.caption``, ``media.0.alt``,
    ``tags``); offsets in findings refer to the text given here.
    """

    model_config = ConfigDict(frozen=True)

    fields: dict[str, str]
    shows_children: bool = False
    guardian_consent: bool = False


def mask_preview(value: str) -> str:
    """A preview that never reveals the value: ``3502011201900001`` → ``35************01``,
    ``siti@gmail.com`` → ``si************``, ``judi`` → ``j***``. Separators are kept."""
    chars = [c for c in value if c.isalnum()]
    n = len(chars)
    if n >= 10:
        keep_head, keep_tail = 2, 2
    elif n >= 4:
        keep_head, keep_tail = 1, 0
    else:
        keep_head, keep_tail = 1 if n > 1 else 0, 0
    out: list[str] = []
    seen = 0
    for c in value:
        if c.isalnum():
            visible = seen < keep_head or seen >= n - keep_tail
            out.append(c if visible else "*")
            seen += 1
        elif c.isspace():
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)[:40]
