"""HTTP routes of trainings: the public catalogue, scheduling (operators), registration
(KIM members and officers), cancellation and attendance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from kim_mentoring.trainings import handlers, queries
from kim_mentoring.trainings import repository as repo
from kim_mentoring.trainings.domain import Skill
from kim_mentoring.trainings.schemas import (
    KABUPATEN_CODE,
    NewTraining,
    RecordAttendance,
    Register,
    RegistrationPage,
    RegistrationView,
    TrainingView,
)
from kim_mentoring.trainings.views import registration_view, training_view
from kim_shared.auth import CurrentPrincipal, Principal, require_roles
from kim_shared.auth.principal import ANGGOTA_KIM, OPERATOR_KABUPATEN, PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.http.command import command
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["trainings"])

Operator = Annotated[Principal, Depends(require_roles(OPERATOR_KABUPATEN))]
Member = Annotated[Principal, Depends(require_roles(PENGELOLA_KIM, ANGGOTA_KIM))]
KimStaff = Annotated[Principal, Depends(require_roles(OPERATOR_KABUPATEN, PENGELOLA_KIM))]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "/trainings", status_code=201, response_model=TrainingView, summary="Schedule a training"
)
async def schedule(
    request: Request,
    body: NewTraining,
    principal: Operator,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """An operator of the kabupaten puts a training in the catalogue (422 when it ends
    before it starts)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            training = await handlers.schedule(cmd.conn, source, principal, body, _now())
        else:
            training = await handlers.load(cmd.conn, UUID(cmd.existing))
        view = training_view(training)
        return cmd.created(
            training.id,
            view.model_dump(mode="json"),
            headers={"Location": f"/trainings/{training.id}"},
        )


@router.get("/trainings", response_model=list[TrainingView], summary="The training catalogue")
async def list_trainings(
    pool: Pool,
    kabupaten: Annotated[str | None, Query(pattern=KABUPATEN_CODE)] = None,
    skill: Skill | None = None,
) -> list[TrainingView]:
    """Public: scheduled and completed trainings, soonest first."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await repo.listing(conn, kabupaten_code=kabupaten, skill=skill, limit=200)
        return [training_view(t) for t in rows]


@router.get("/trainings/{training_id:uuid}", response_model=TrainingView, summary="One training")
async def get_training(training_id: UUID, pool: Pool) -> TrainingView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return training_view(await handlers.load(conn, training_id))


@router.post(
    "/trainings/{training_id:uuid}/registrations",
    status_code=201,
    response_model=RegistrationView,
    summary="Register for a training (confirmed while seats last, else waitlisted)",
)
async def register(
    request: Request,
    training_id: UUID,
    body: Register,
    principal: Member,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """Members and officers of an aktif KIM in the training's kabupaten; anyone else 404.
    A full training without a waitlist is 409 ``training-full``."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            reg = await handlers.register(cmd.conn, source, principal, training_id, body, _now())
        else:
            found = await repo.registration(cmd.conn, UUID(cmd.existing))
            assert found is not None
            reg = found
        view = await registration_view(cmd.conn, reg)
        return cmd.created(
            reg.id,
            view.model_dump(mode="json"),
            headers={"Location": f"/trainings/{training_id}/registrations/{reg.id}"},
        )


@router.get(
    "/trainings/{training_id:uuid}/registrations",
    response_model=list[RegistrationView],
    summary="Registrations of a training, in order (operators of its kabupaten)",
)
async def registrations(
    training_id: UUID, principal: Operator, pool: Pool
) -> list[RegistrationView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        training = await handlers.load(conn, training_id)
        handlers.ensure_operates(principal, training)
        return [
            await registration_view(conn, r) for r in await repo.registrations(conn, training.id)
        ]


@router.get(
    "/trainings/{training_id:uuid}/registrations/{registration_id:uuid}",
    response_model=RegistrationView,
    summary="One registration (its registrant and operators)",
)
async def get_registration(
    training_id: UUID, registration_id: UUID, principal: CurrentPrincipal, pool: Pool
) -> RegistrationView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        training = await handlers.load(conn, training_id)
        reg = await handlers.visible_registration(conn, principal, training, registration_id)
        return await registration_view(conn, reg)


@router.post(
    "/trainings/{training_id:uuid}/registrations/{registration_id:uuid}/cancel",
    response_model=RegistrationView,
    summary="Cancel a registration; a freed seat goes to the first person waiting",
)
async def cancel(
    training_id: UUID,
    registration_id: UUID,
    principal: CurrentPrincipal,
    pool: Pool,
    source: Source,
) -> RegistrationView:
    """The registrant or an operator; a registration no longer live is 409 ``not-live``."""
    async with pool.acquire() as conn, conn.transaction():
        reg = await handlers.cancel(conn, source, principal, training_id, registration_id, _now())
        return await registration_view(conn, reg)


@router.post(
    "/trainings/{training_id:uuid}/attendance",
    response_model=list[RegistrationView],
    summary="Record who attended on one day (operators); completes and certifies",
)
async def attendance(
    training_id: UUID, body: RecordAttendance, principal: Operator, pool: Pool, source: Source
) -> list[RegistrationView]:
    """``day`` must be a working day of the training (422 ``not-a-day``) that has come, in
    WIB (422 ``day-not-yet``): no certificate for a day that has not taken place."""
    async with pool.acquire() as conn, conn.transaction():
        regs = await handlers.record_attendance(
            conn,
            source,
            principal,
            training_id,
            day=body.day,
            registration_ids=body.registration_ids,
            now=_now(),
        )
        return [await registration_view(conn, r) for r in regs]


@router.get(
    "/my/registrations",
    response_model=RegistrationPage,
    summary="The caller's own registrations, newest first, with attendance and certificates",
)
async def my_registrations(
    principal: CurrentPrincipal, pool: Pool, limit: Limit = 50, cursor: Cursor = None
) -> RegistrationPage:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await queries.of_person(conn, principal.subject, cursor=cursor, limit=limit)


@router.get(
    "/kim/{kim_id:uuid}/registrations",
    response_model=RegistrationPage,
    summary="A KIM's registrations for trainings, newest first",
)
async def kim_registrations(
    kim_id: UUID, principal: KimStaff, pool: Pool, limit: Limit = 50, cursor: Cursor = None
) -> RegistrationPage:
    """The KIM's current officers and the operators of its kabupaten; anyone else 404."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await queries.ensure_sees_kim(conn, principal, kim_id, today())
        return await queries.of_kim(conn, kim_id, cursor=cursor, limit=limit)
