"""Events of the mentoring service's trainings (diklat, bimtek, sosialisasi).

Ids, codes, dates and counts only: never a participant's name or login subject. A
registration is known by its id, a participant by the KIM and the KIM member id the registry
published. ``TrainingAttended`` is the registry's activity fact and lives in ``activity``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from kim_shared.events.base import Event
from kim_shared.events.topics import MENTORING_TRAINING, MENTORING_TRAINING_STATE, TopicSpec

Skill = Literal[
    "jurnalistik",
    "fotografi",
    "videografi",
    "media_sosial",
    "kehumasan",
    "pemasaran_digital",
    "desain",
]
"""The skills experts teach and trainings are about."""
TrainingStatus = Literal["scheduled", "completed", "cancelled"]


class TrainingScheduled(Event):
    """An operator put a training in the catalogue."""

    event_type: ClassVar[str] = "kim.mentoring.training.scheduled.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    kabupaten_code: str
    skill: Skill
    level: str
    starts_on: date
    ends_on: date
    capacity: int = Field(ge=1)
    scheduled_at: datetime


class RegistrationConfirmed(Event):
    """A registration holds a seat: at registration, or promoted from the waitlist."""

    event_type: ClassVar[str] = "kim.mentoring.training.registration_confirmed.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    registration_id: UUID
    kim_id: UUID
    promoted: bool = False
    confirmed_at: datetime


class RegistrationWaitlisted(Event):
    """A registration arrived when the training was full and waits for a seat."""

    event_type: ClassVar[str] = "kim.mentoring.training.registration_waitlisted.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    registration_id: UUID
    kim_id: UUID
    waitlisted_at: datetime


class AttendanceRecorded(Event):
    """The operator recorded a participant's attendance on one day of a training."""

    event_type: ClassVar[str] = "kim.mentoring.training.attendance_recorded.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    registration_id: UUID
    kim_id: UUID
    day: date
    recorded_at: datetime


class TrainingCompleted(Event):
    """A participant's attendance met the training's rule."""

    event_type: ClassVar[str] = "kim.mentoring.training.completed.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    registration_id: UUID
    kim_id: UUID
    days_attended: int = Field(ge=1)
    completed_at: datetime


class CertificateIssued(Event):
    """A certificate was issued for a completion (its code is not published)."""

    event_type: ClassVar[str] = "kim.mentoring.training.certificate_issued.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    registration_id: UUID
    certificate_id: UUID
    kim_id: UUID
    issued_at: datetime


class TrainingInvited(Event):
    """Officers of a KIM were invited to a training (the onboarding rule: when the KIM was
    formed, and officers who join it before the training starts): how many, never who."""

    event_type: ClassVar[str] = "kim.mentoring.training.invited.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    kim_id: UUID
    officers: int = Field(ge=0, description="Officers invited by this event.")
    invited_at: datetime


class TrainingStateChanged(Event):
    """The current state of a training (compacted state topic; latest ``sequence`` wins)."""

    event_type: ClassVar[str] = "kim.mentoring.training_state.changed.v1"
    topic: ClassVar[TopicSpec] = MENTORING_TRAINING_STATE
    subject_field: ClassVar[str] = "training_id"

    training_id: UUID
    sequence: int = Field(ge=1)
    status: TrainingStatus
    title: str
    skill: Skill
    level: str
    kabupaten_code: str
    online: bool
    starts_on: date
    ends_on: date
    capacity: int = Field(ge=1)
    confirmed: int = Field(ge=0)
    waiting: int = Field(ge=0)
    changed_at: datetime


TRAINING_EVENTS: tuple[type[Event], ...] = (
    TrainingScheduled,
    RegistrationConfirmed,
    RegistrationWaitlisted,
    AttendanceRecorded,
    TrainingCompleted,
    CertificateIssued,
    TrainingInvited,
    TrainingStateChanged,
)
