"""Request and response bodies of the help-request API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kim_mentoring.requests.domain import Status
from kim_shared.events.types.mentoring import HelpMode, Origin, ProactiveRule, Skill, Urgency
from kim_shared.text import Text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewHelpRequest(_Strict):
    kim_id: UUID
    skill: Skill
    description: Annotated[str, Text(10, 2000, multiline=True)]
    mode: HelpMode
    urgency: Urgency = "sedang"


class Assignment(_Strict):
    expert_subject: str = Field(min_length=1, max_length=255)


class Resolution(_Strict):
    outcome: Annotated[str, Text(5, 2000, multiline=True)]
    rating: int = Field(ge=1, le=5, description="The KIM's rating of the help.")


class HelpRequestView(BaseModel):
    id: UUID
    kim_id: UUID
    kabupaten_code: str
    skill: Skill
    description: str
    mode: HelpMode
    urgency: Urgency
    status: Status
    expert_subject: str | None
    opened_at: datetime
    sla_due_at: datetime
    assigned_at: datetime | None
    outcome: str | None
    rating: int | None
    closed_at: datetime | None
    version: int
    origin: Origin = Field(
        default="member",
        description="member: opened by the KIM; system: opened by a proactive rule.",
    )
    rule: ProactiveRule | None = Field(
        default=None, description="The proactive rule that opened it (system requests)."
    )
