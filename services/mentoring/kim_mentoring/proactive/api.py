"""HTTP routes of the proactive rules: a kabupaten's settings (its operators), a KIM's
invitations and mentoring plans."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response

from kim_mentoring import access
from kim_mentoring.proactive import handlers, queries
from kim_mentoring.proactive import repository as repo
from kim_mentoring.proactive.domain import RuleSettings
from kim_mentoring.proactive.schemas import (
    InvitationView,
    MentoringPlanView,
    SettingsPut,
    SettingsView,
)
from kim_shared.http.concurrency import IfMatchRequired, with_etag
from kim_shared.service import Pool

router = APIRouter(tags=["proactive rules"])

KabupatenCode = Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["35.02"])]


def _respond(settings: RuleSettings) -> Response:
    return with_etag(queries.settings_view(settings), settings.version)


@router.get(
    "/proactive-rules/{kabupaten_code}",
    response_model=SettingsView,
    summary="Proactive rules of a kabupaten/kota (the defaults until saved)",
)
async def get_settings(
    kabupaten_code: KabupatenCode, principal: access.Operator, pool: Pool
) -> Response:
    """Operators of the kabupaten (others: 404)."""
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        await handlers.ensure_kabupaten(conn, principal, kabupaten_code)
        return _respond(await repo.get_settings(conn, kabupaten_code))


@router.put(
    "/proactive-rules/{kabupaten_code}",
    response_model=SettingsView,
    summary='Replace the proactive rules (If-Match: "0" while the defaults apply)',
)
async def put_settings(
    kabupaten_code: KabupatenCode,
    body: SettingsPut,
    principal: access.Operator,
    expected: IfMatchRequired,
    pool: Pool,
) -> Response:
    """Settings apply to the events handled after the change, not retroactively."""
    async with pool.acquire() as conn, conn.transaction():
        saved = await handlers.put_settings(
            conn, principal, kabupaten_code, expected, body, datetime.now(UTC)
        )
    return _respond(saved)


@router.get(
    "/kim/{kim_id:uuid}/invitations",
    response_model=list[InvitationView],
    summary="Trainings the KIM was invited to (its officers, operators of its kabupaten)",
)
async def invitations(kim_id: UUID, principal: access.Anyone, pool: Pool) -> list[InvitationView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await queries.invitations(conn, principal, kim_id)


@router.get(
    "/kim/{kim_id:uuid}/mentoring-plans",
    response_model=list[MentoringPlanView],
    summary="Mentoring plans made for the KIM (its members, operators of its kabupaten)",
)
async def mentoring_plans(
    kim_id: UUID, principal: access.Anyone, pool: Pool
) -> list[MentoringPlanView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await queries.plans(conn, principal, kim_id)
