"""Events published by the mentoring service.

Help-request events carry ids, the KIM's kabupaten, the skill, mode, urgency and the SLA
deadline: never the description, who opened the request nor the expert's login.
``HelpRequestResolved`` is the registry's activity fact and lives in ``activity``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kim_shared.events.base import Event
from kim_shared.events.topics import MENTORING_REQUEST, TopicSpec

Skill = Literal[
    "jurnalistik",
    "fotografi",
    "videografi",
    "media_sosial",
    "kehumasan",
    "pemasaran_digital",
    "desain",
]
"""What a Diskominfo expert (tenaga ahli / pendamping) helps with."""
HelpMode = Literal["online", "kunjungan", "kantor"]
"""Online, a visit to the KIM, or at the Diskominfo office."""
Urgency = Literal["rendah", "sedang", "tinggi"]
Origin = Literal["member", "system"]
"""Who opened a help request: a KIM member, or the system on behalf of a proactive rule."""
ProactiveRule = Literal["onboarding", "rejected_articles", "lowest_band"]
"""The proactive rules: a KIM was formed (onboarding), N articles of a KIM were rejected in a
window, a KIM was evaluated in the lowest band (a mentoring plan)."""


class HelpRequestOpened(Event):
    """A KIM opened a help request, or the system did for it (``origin`` ``system``, with the
    proactive ``rule`` that fired)."""

    event_type: ClassVar[str] = "kim.mentoring.request.opened.v1"
    topic: ClassVar[TopicSpec] = MENTORING_REQUEST
    subject_field: ClassVar[str] = "request_id"

    request_id: UUID
    kim_id: UUID
    kabupaten_code: str
    skill: Skill
    mode: HelpMode
    urgency: Urgency
    sla_due_at: datetime
    opened_at: datetime
    origin: Origin = "member"
    rule: ProactiveRule | None = None


class HelpRequestAssigned(Event):
    """A help request was assigned to an expert (automatically or by an operator)."""

    event_type: ClassVar[str] = "kim.mentoring.request.assigned.v1"
    topic: ClassVar[TopicSpec] = MENTORING_REQUEST
    subject_field: ClassVar[str] = "request_id"

    request_id: UUID
    kim_id: UUID
    kabupaten_code: str
    skill: Skill
    automatic: bool
    assigned_at: datetime


MENTORING_EVENTS: tuple[type[Event], ...] = (HelpRequestOpened, HelpRequestAssigned)
