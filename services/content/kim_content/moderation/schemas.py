"""Request and response bodies of the moderation API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_content.articles.schemas import Feedback, RevisionView, ScreeningView
from kim_shared.events.types.content import ReasonCode
from kim_shared.text import Text

DecisionWord = Literal["approve", "reject", "uphold", "dismiss", "grant", "deny"]

DECISIONS: Final[dict[str, frozenset[str]]] = {
    "submission": frozenset({"approve", "reject"}),
    "report": frozenset({"uphold", "dismiss"}),
    "appeal": frozenset({"grant", "deny"}),
}
"""The decisions each kind of case takes (anything else is a 422)."""

NEEDS_REASON: Final = frozenset({"reject", "uphold"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseDecision(_Strict):
    """``approve``/``reject`` a submission, ``uphold`` (take down) or ``dismiss`` a report,
    ``grant`` or ``deny`` an appeal. Rejecting and upholding need a reason code."""

    decision: DecisionWord
    reason_code: ReasonCode | None = None
    feedback: Feedback | None = None


class ReportCreate(_Strict):
    reason_code: ReasonCode
    note: Annotated[str, Text(1, 1000, multiline=True)] | None = None


class AppealCreate(_Strict):
    statement: Annotated[str, Text(1, 2000, multiline=True)]


class CaseSummary(BaseModel):
    id: UUID
    subject_type: str
    subject_id: UUID
    revision: int
    kabupaten_code: str
    kind: str
    urgent: bool
    status: str
    title: str | None = Field(description="The subject's title (articles: the case's revision).")
    deadline: datetime
    overdue: bool
    claimed_by: str | None = Field(description="Who holds the case now (an expired claim: none).")
    claimed_at: datetime | None
    verdict: str | None = Field(description="The automatic screening's verdict.")
    decision: str | None
    reason_code: str | None
    created_at: datetime
    version: int


class ReportCount(BaseModel):
    reason_code: str
    reporters: int


class AppealView(BaseModel):
    id: UUID
    article_id: UUID
    case_id: UUID
    statement: str
    from_status: str
    reason_code: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None


class CaseDetail(CaseSummary):
    content: RevisionView | None = Field(description="The article revision under review.")
    screening: ScreeningView | None
    reports: list[ReportCount] = Field(default_factory=list)
    appeal: AppealView | None = None


class ReportView(BaseModel):
    article_id: UUID
    reason_code: str
    created_at: datetime
    hidden: bool = Field(description="Whether the article is now hidden pending review.")


class AuditEntry(BaseModel):
    action: str
    actor: str
    detail: dict[str, object]
    at: datetime
