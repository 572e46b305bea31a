"""Request and response bodies of the training API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool, StrictInt

from kim_mentoring.trainings.domain import RegistrationStatus, Skill, TrainingStatus
from kim_shared.text import Text

KABUPATEN_CODE = r"^\d{2}\.\d{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewTraining(_Strict):
    title: Annotated[str, Text(5, 200)]
    skill: Skill
    level: Annotated[str, Text(2, 50)] = Field(description="e.g. dasar, menengah, lanjutan.")
    kabupaten_code: str = Field(pattern=KABUPATEN_CODE, description="The kabupaten it serves.")
    venue: Annotated[str, Text(3, 300)] | None = None
    online_url: HttpUrl | None = None
    starts_on: date
    ends_on: date
    capacity: StrictInt = Field(ge=1, le=10_000)
    waitlist: StrictBool = True
    audience: Annotated[str, Text(3, 200)] = Field(description="e.g. KIM baru, semua anggota.")
    prerequisites: Annotated[str, Text(3, 1000, multiline=True)] | None = None
    required_days: StrictInt | None = Field(
        default=None, ge=1, description="Days to attend for completion (default: every day)."
    )
    onboarding: StrictBool = Field(
        default=False,
        description="An onboarding training (orientasi KIM baru): newly formed KIM of the "
        "kabupaten are invited to the next one.",
    )


class TrainingView(BaseModel):
    id: UUID
    title: str
    skill: Skill
    level: str
    kabupaten_code: str
    venue: str | None
    online_url: str | None
    starts_on: date
    ends_on: date
    days: list[date] = Field(description="Its working days, first to last: attendance days.")
    capacity: int
    waitlist: bool
    audience: str
    prerequisites: str | None
    required_days: int
    onboarding: bool
    status: TrainingStatus
    confirmed: int
    seats_left: int
    created_at: datetime


class Register(_Strict):
    participant_name: Annotated[str, Text(2, 100)] = Field(
        description="The name printed on the certificate."
    )


class RegistrationView(BaseModel):
    id: UUID
    training_id: UUID
    kim_id: UUID
    participant_name: str
    status: RegistrationStatus
    promoted: bool
    registered_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    completed_at: datetime | None
    days_attended: list[date]
    certificate_code: str | None


class RecordAttendance(_Strict):
    day: date
    registration_ids: list[UUID] = Field(min_length=1, max_length=500)


class RegistrationSummary(BaseModel):
    """A registration with the training it is for, in a person's or a KIM's list."""

    id: UUID
    training_id: UUID
    training_title: str
    starts_on: date
    ends_on: date
    kim_id: UUID
    participant_name: str
    status: RegistrationStatus
    registered_at: datetime
    completed_at: datetime | None
    days_attended: list[date]
    certificate_code: str | None


class RegistrationPage(BaseModel):
    items: list[RegistrationSummary]
    next_cursor: str | None
