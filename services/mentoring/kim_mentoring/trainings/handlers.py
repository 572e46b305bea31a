"""Commands on trainings: schedule, register (seat or waitlist), cancel (passing the seat on
exactly once), record attendance and complete (issuing the certificate).

Registration and cancellation lock the training row first, so the seat count and the
waitlist of one training change one command at a time; the cancellation itself is a
conditional status change, so two concurrent cancellations of one registration free one seat.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from uuid import UUID

from kim_mentoring.certificates import handlers as certificates
from kim_mentoring.trainings import repository as repo
from kim_mentoring.trainings.domain import days_of, not_working
from kim_mentoring.trainings.repository import NewRegistration, RegistrationRow, TrainingRow
from kim_mentoring.trainings.schemas import NewTraining, Register
from kim_mentoring.trainings.state import stage_training_state
from kim_shared import clock, outbox
from kim_shared.auth import Principal
from kim_shared.auth.principal import ANGGOTA_KIM, OPERATOR_KABUPATEN, PENGELOLA_KIM
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Forbidden, Invalid, Issue, NotFound
from kim_shared.events.types.activity import TrainingAttended
from kim_shared.events.types.mentoring_trainings import (
    AttendanceRecorded,
    RegistrationConfirmed,
    RegistrationWaitlisted,
    TrainingCompleted,
    TrainingScheduled,
)
from kim_shared.outbox import EventSource
from kim_shared.projections.kim.lookups import get_kim, memberships_of
from kim_shared.projections.regions.lookups import region

TRAINING_NOT_FOUND = "The training was not found."
REGISTRATION_NOT_FOUND = "The registration was not found."


async def load(conn: Connection, training_id: UUID) -> TrainingRow:
    training = await repo.get(conn, training_id)
    if training is None:
        raise NotFound(TRAINING_NOT_FOUND)
    return training


async def _locked(conn: Connection, training_id: UUID) -> TrainingRow:
    training = await repo.lock(conn, training_id)
    if training is None:
        raise NotFound(TRAINING_NOT_FOUND)
    return training


def ensure_operates(principal: Principal, training: TrainingRow) -> None:
    """Operators of the training's kabupaten; anyone else 404 as for a missing training."""
    if not principal.acts_in(training.kabupaten_code, OPERATOR_KABUPATEN):
        raise NotFound(TRAINING_NOT_FOUND)


async def schedule(
    conn: Connection, source: EventSource, principal: Principal, body: NewTraining, now: datetime
) -> TrainingRow:
    """Put a training in the catalogue of the operator's kabupaten."""
    if not principal.acts_in(body.kabupaten_code, OPERATOR_KABUPATEN):
        raise Forbidden("Operators schedule trainings in their own kabupaten only.")
    issues: list[Issue] = []
    if body.ends_on < body.starts_on:
        issues.append(Issue("body.ends_on", "The training cannot end before it starts."))
    for name, day in (("starts_on", body.starts_on), ("ends_on", body.ends_on)):
        why = not_working(day)
        if why is not None:
            issues.append(Issue(f"body.{name}", f"Trainings take place on working days: {why}"))
    if body.venue is None and body.online_url is None:
        issues.append(Issue("body.venue", "Give a venue, an online link, or both."))
    days = len(days_of(body.starts_on, body.ends_on)) if not issues else 0
    if body.required_days is not None and days and body.required_days > days:
        issues.append(Issue("body.required_days", f"The training has only {days} days to attend."))
    if issues:
        raise Invalid.of("The training is not valid", issues, slug="invalid-training")
    kabupaten = await region(conn, body.kabupaten_code)
    if kabupaten is None or kabupaten.level != 2:
        raise Invalid("No such kabupaten.", field="body.kabupaten_code", slug="unknown-region")
    training = await repo.insert(
        conn,
        repo.NewTraining(
            id=uuid.uuid4(),
            title=body.title,
            skill=body.skill,
            level=body.level,
            kabupaten_code=body.kabupaten_code,
            venue=body.venue,
            online_url=str(body.online_url) if body.online_url is not None else None,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            capacity=body.capacity,
            waitlist=body.waitlist,
            audience=body.audience,
            prerequisites=body.prerequisites,
            required_days=body.required_days or days,
            onboarding=body.onboarding,
            created_by=principal.subject,
            created_at=now,
        ),
    )
    await outbox.add(
        conn,
        TrainingScheduled(
            training_id=training.id,
            kabupaten_code=training.kabupaten_code,
            skill=training.skill,
            level=training.level,
            starts_on=training.starts_on,
            ends_on=training.ends_on,
            capacity=training.capacity,
            scheduled_at=now,
        ),
        source,
        kabupaten=training.kabupaten_code,
    )
    await stage_training_state(conn, source, training, now)
    return training


async def register(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    training_id: UUID,
    body: Register,
    now: datetime,
) -> RegistrationRow:
    """Register the caller, a member or officer of an aktif KIM in the training's kabupaten:
    confirmed while seats last, else waitlisted, or 409 ``training-full`` without a waitlist.
    Anyone else gets 404 as for a missing training."""
    training = await _locked(conn, training_id)
    if training.status != "scheduled":
        raise NotFound(TRAINING_NOT_FOUND)
    member = None
    for m in await memberships_of(conn, principal.subject, on=clock.today(now)):
        kim = await get_kim(conn, m.kim_id) if m.kim_status == "aktif" else None
        # The token's scope (a kabupaten or the KIM's own village) must reach the KIM.
        if (
            kim is not None
            and kim.state.kabupaten_code == training.kabupaten_code
            and principal.acts_in(kim.state.village_code, PENGELOLA_KIM, ANGGOTA_KIM)
        ):
            member = m
            break
    if member is None:
        raise NotFound(TRAINING_NOT_FOUND)
    full = training.confirmed >= training.capacity
    if full and not training.waitlist:
        raise Conflict(
            "The training is full and has no waitlist: the registration was not taken.",
            slug="training-full",
        )
    reg = await repo.insert_registration(
        conn,
        NewRegistration(
            id=uuid.uuid4(),
            training_id=training.id,
            kim_id=member.kim_id,
            member_id=member.member_id,
            subject=principal.subject,
            participant_name=body.participant_name,
            status="waitlisted" if full else "confirmed",
            registered_at=now,
        ),
    )
    if reg is None:
        raise Conflict("You are already registered for this training.", slug="already-registered")
    if full:
        await outbox.add(
            conn,
            RegistrationWaitlisted(
                training_id=training.id,
                registration_id=reg.id,
                kim_id=reg.kim_id,
                waitlisted_at=now,
            ),
            source,
            kabupaten=training.kabupaten_code,
        )
    else:
        training = await repo.add_seats(conn, training.id, 1, now)
        await _confirmed(conn, source, training, reg, now)
    await stage_training_state(conn, source, training, now)
    return reg


async def _confirmed(
    conn: Connection,
    source: EventSource,
    training: TrainingRow,
    reg: RegistrationRow,
    now: datetime,
) -> None:
    await outbox.add(
        conn,
        RegistrationConfirmed(
            training_id=training.id,
            registration_id=reg.id,
            kim_id=reg.kim_id,
            promoted=reg.promoted,
            confirmed_at=now,
        ),
        source,
        kabupaten=training.kabupaten_code,
    )


async def visible_registration(
    conn: Connection, principal: Principal, training: TrainingRow, registration_id: UUID
) -> RegistrationRow:
    """The registration if the caller made it or operates the training (404 otherwise)."""
    reg = await repo.registration(conn, registration_id)
    if reg is None or reg.training_id != training.id:
        raise NotFound(REGISTRATION_NOT_FOUND)
    if reg.subject != principal.subject and not principal.acts_in(
        training.kabupaten_code, OPERATOR_KABUPATEN
    ):
        raise NotFound(REGISTRATION_NOT_FOUND)
    return reg


async def cancel(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    training_id: UUID,
    registration_id: UUID,
    now: datetime,
) -> RegistrationRow:
    """Cancel a registration (its registrant or an operator). A freed seat goes to the first
    person waiting, once; a registration that is no longer live is 409."""
    training = await _locked(conn, training_id)
    await visible_registration(conn, principal, training, registration_id)
    before = await repo.cancel(conn, registration_id, now)
    if before is None:
        raise Conflict("The registration is not live: it cannot be cancelled.", slug="not-live")
    if before == "confirmed":
        promoted = await repo.promote_first(conn, training.id, now)
        if promoted is None:
            training = await repo.add_seats(conn, training.id, -1, now)
        else:
            await _confirmed(conn, source, training, promoted, now)
    await stage_training_state(conn, source, training, now)
    cancelled = await repo.registration(conn, registration_id)
    assert cancelled is not None
    return cancelled


async def record_attendance(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    training_id: UUID,
    *,
    day: date,
    registration_ids: list[UUID],
    now: datetime,
) -> list[RegistrationRow]:
    """The operator records who attended on ``day``; a registration whose attended days meet
    the rule is completed and gets its certificate (each once, also when recorded twice)."""
    training = await _locked(conn, training_id)
    ensure_operates(principal, training)
    if day not in days_of(training.starts_on, training.ends_on):
        raise Invalid(
            "The day is not a working day of the training.", field="body.day", slug="not-a-day"
        )
    if day > clock.today(now):  # no certificate for a training day that has not happened
        raise Invalid(
            f"Attendance for {day.isoformat()} can be recorded from that day on "
            f"(today is {clock.today(now).isoformat()}).",
            field="body.day",
            slug="day-not-yet",
        )
    regs: list[RegistrationRow] = []
    for n, rid in enumerate(registration_ids):
        reg = await repo.registration(conn, rid)
        if (
            reg is None
            or reg.training_id != training.id
            or reg.status
            not in (
                "confirmed",
                "completed",
            )
        ):
            raise Invalid(
                "Only confirmed participants of this training attend it.",
                field=f"body.registration_ids.{n}",
                slug="not-a-participant",
            )
        regs.append(reg)
    out: list[RegistrationRow] = []
    for reg in regs:
        if await repo.attend(conn, reg.id, day, by=principal.subject, now=now):
            await outbox.add(
                conn,
                AttendanceRecorded(
                    training_id=training.id,
                    registration_id=reg.id,
                    kim_id=reg.kim_id,
                    day=day,
                    recorded_at=now,
                ),
                source,
                kabupaten=training.kabupaten_code,
            )
            await outbox.add(
                conn,
                TrainingAttended(
                    training_id=training.id,
                    kim_id=reg.kim_id,
                    member_id=reg.member_id,
                    attended_at=now,
                ),
                source,
                kabupaten=training.kabupaten_code,
            )
        attended = await repo.days_attended(conn, reg.id)
        if len(attended) >= training.required_days:
            done = await repo.complete(conn, reg.id, now)
            if done is not None:
                await outbox.add(
                    conn,
                    TrainingCompleted(
                        training_id=training.id,
                        registration_id=done.id,
                        kim_id=done.kim_id,
                        days_attended=len(attended),
                        completed_at=now,
                    ),
                    source,
                    kabupaten=training.kabupaten_code,
                )
                await certificates.issue(conn, source, training, done, now)
                reg = done
        out.append(reg)
    return out
