"""Responses about trainings and registrations."""

from __future__ import annotations

from kim_mentoring.certificates import repository as certificates
from kim_mentoring.trainings import repository as repo
from kim_mentoring.trainings.domain import days_of
from kim_mentoring.trainings.repository import RegistrationRow, TrainingRow
from kim_mentoring.trainings.schemas import RegistrationView, TrainingView
from kim_shared.db import Connection


def training_view(t: TrainingRow) -> TrainingView:
    return TrainingView(
        id=t.id,
        title=t.title,
        skill=t.skill,
        level=t.level,
        kabupaten_code=t.kabupaten_code,
        venue=t.venue,
        online_url=t.online_url,
        starts_on=t.starts_on,
        ends_on=t.ends_on,
        days=days_of(t.starts_on, t.ends_on),
        capacity=t.capacity,
        waitlist=t.waitlist,
        audience=t.audience,
        prerequisites=t.prerequisites,
        required_days=t.required_days,
        onboarding=t.onboarding,
        status=t.status,
        confirmed=t.confirmed,
        seats_left=t.capacity - t.confirmed,
        created_at=t.created_at,
    )


async def registration_view(conn: Connection, r: RegistrationRow) -> RegistrationView:
    cert = await certificates.of_registration(conn, r.id)
    return RegistrationView(
        id=r.id,
        training_id=r.training_id,
        kim_id=r.kim_id,
        participant_name=r.participant_name,
        status=r.status,
        promoted=r.promoted,
        registered_at=r.registered_at,
        confirmed_at=r.confirmed_at,
        cancelled_at=r.cancelled_at,
        completed_at=r.completed_at,
        days_attended=await repo.days_attended(conn, r.id),
        certificate_code=cert.code if cert is not None else None,
    )
