"""Request and response bodies of the expert API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kim_shared.events.types.mentoring import Skill

KABUPATEN_PATTERN = r"^\d{2}\.\d{2}$"


class ExpertProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kabupaten_code: str = Field(pattern=KABUPATEN_PATTERN, description="The expert's scope.")
    skills: list[Skill] = Field(min_length=1, max_length=7)
    weekly_capacity: int = Field(ge=1, le=100, description="Requests the expert takes a week.")
    active: bool = True


class ExpertView(BaseModel):
    subject: str
    kabupaten_code: str
    skills: list[Skill]
    weekly_capacity: int
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
