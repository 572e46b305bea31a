"""Request and response bodies of the proactive-rules API."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from kim_shared.events.types.content import ReasonCode
from kim_shared.events.types.mentoring import ProactiveRule, Skill


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OnboardingRule(_Strict):
    enabled: StrictBool
    skill: Skill = Field(
        description="The skill of the help request opened when no onboarding training is "
        "scheduled in the kabupaten."
    )


class RejectedArticlesRule(_Strict):
    enabled: StrictBool
    threshold: StrictInt = Field(
        ge=1, le=100, description="N: rejected articles of one KIM that open a help request."
    )
    window_days: StrictInt = Field(
        ge=1, le=365, description="Within this many days (by the rejections' own times)."
    )
    skill_by_reason: dict[ReasonCode, Skill | None] = Field(
        default_factory=dict,
        description="The help's skill per rejection reason code; null: the reason does not "
        "count. Reason codes left out keep their default skill.",
    )


class LowestBandRule(_Strict):
    enabled: StrictBool
    skill: Skill = Field(description="The skill of the mentoring plan's help request.")


class SettingsPut(_Strict):
    onboarding: OnboardingRule
    rejected_articles: RejectedArticlesRule
    lowest_band: LowestBandRule


class SettingsView(BaseModel):
    kabupaten_code: str
    onboarding: OnboardingRule
    rejected_articles: RejectedArticlesRule
    lowest_band: LowestBandRule
    version: int = Field(description="0 while the defaults apply (nothing saved yet).")
    is_default: bool
    updated_at: datetime | None
    updated_by: str | None


class InvitationView(BaseModel):
    """A KIM invited to a training by a proactive rule."""

    training_id: UUID
    kim_id: UUID
    title: str
    skill: Skill
    venue: str | None
    online_url: str | None
    starts_on: date
    ends_on: date
    invited_at: datetime
    officers_invited: int = Field(description="Officers on the KIM's roster when invited.")
    you_were_invited: bool = Field(description="Whether the caller was one of them.")


class MentoringPlanView(BaseModel):
    """A mentoring plan made when the KIM was evaluated in the lowest band."""

    id: UUID
    kim_id: UUID
    rule: ProactiveRule = "lowest_band"
    band: str | None
    period_id: UUID | None
    made_at: datetime
    request_id: UUID | None
    request_status: str | None
    skill: Skill | None
    suggested_training_id: UUID | None
    suggested_training_title: str | None
    suggested_training_starts_on: date | None
