"""The article workflow as pure rules: statuses, which action moves what where, routing.

::

    draft ──submit──▶ (screened) ──▶ editor_review ──▶ diskominfo_review ──▶ published
      ▲                  │  block        │ return            │ reject        (or scheduled
      │                  ▼               ▼                   ▼                until due)
      └──revise──── rejected ◀──────────────────────────────┘
    published ──take_down──▶ taken_down ──restore──▶ published

``submitted`` and ``screened`` are steps, not places an article waits in: a submission is
screened in the same transaction and routed at once (recorded in the transition log and as
events). A clean screening of a trusted author skips human review; any flag sends it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Status = Literal[
    "draft",
    "editor_review",
    "diskominfo_review",
    "scheduled",
    "published",
    "rejected",
    "taken_down",
]
Action = Literal[
    "create",
    "revise",
    "submit",
    "editor_approve",
    "editor_return",
    "approve",
    "reject",
    "publish",
    "take_down",
    "restore",
    "withdraw",
]
Verdict = Literal["clean", "flag", "review", "block"]

EDITABLE: Final[frozenset[str]] = frozenset({"draft", "rejected", "taken_down"})
"""Where the author may change the text (a new revision). A taken-down article revised and
resubmitted goes through review again; once approved it is published as a new version (the
earlier published versions stay readable)."""

ALLOWED: Final[dict[Action, frozenset[str]]] = {
    "revise": EDITABLE,
    "submit": EDITABLE,
    "editor_approve": frozenset({"editor_review"}),
    "editor_return": frozenset({"editor_review"}),
    "approve": frozenset({"diskominfo_review"}),
    "reject": frozenset({"diskominfo_review", "editor_review"}),
    "publish": frozenset({"scheduled"}),
    "take_down": frozenset({"published"}),
    "restore": frozenset({"taken_down"}),
    "withdraw": frozenset({"editor_review", "diskominfo_review", "scheduled"}),
}
"""The statuses each action may start from; anything else is a 409."""


class InvalidTransition(Exception):
    """``action`` is not possible while the article is ``status``."""

    def __init__(self, action: Action, status: str) -> None:
        super().__init__(f"An article that is {status} cannot be {_PAST[action]}.")
        self.action = action
        self.status = status


_PAST: Final[dict[Action, str]] = {
    "create": "created",
    "revise": "revised (only drafts, rejected and taken-down articles can be changed)",
    "submit": "submitted (only drafts, rejected and taken-down articles can be submitted)",
    "editor_approve": "approved by a KIM editor",
    "editor_return": "returned by a KIM editor",
    "approve": "approved",
    "reject": "rejected",
    "publish": "published",
    "take_down": "taken down",
    "restore": "restored",
    "withdraw": "withdrawn",
}


def ensure_allowed(action: Action, status: str) -> None:
    """Raise :class:`InvalidTransition` unless ``action`` may start from ``status``."""
    if status not in ALLOWED[action]:
        raise InvalidTransition(action, status)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a screened submission goes next."""

    status: Status
    automatic_approval: bool = False


def route_submission(verdict: Verdict, *, editor_review: bool, trusted: bool) -> Route:
    """Route a screened submission: blocked → rejected (the author must fix it); a KIM with
    editor review → its editors first; a trusted author with a clean screening → approved
    without a human; everything else → Diskominfo review."""
    if verdict == "block":
        return Route("rejected")
    if editor_review:
        return Route("editor_review")
    if trusted and verdict == "clean":
        return Route("published", automatic_approval=True)
    return Route("diskominfo_review")


def after_editor_approval(verdict: Verdict, *, trusted: bool) -> Route:
    """A KIM editor approved: Diskominfo reviews unless the author is trusted and clean."""
    if trusted and verdict == "clean":
        return Route("published", automatic_approval=True)
    return Route("diskominfo_review")


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """An author is trusted after ``approved_needed`` approved articles and no rejection in
    the last ``clean_days`` days (kabupaten-wide settings, see the service settings)."""

    approved_needed: int = 5
    clean_days: int = 90

    def trusted(self, approved: int, rejected_recently: int) -> bool:
        return (
            self.approved_needed > 0 and approved >= self.approved_needed and not rejected_recently
        )
