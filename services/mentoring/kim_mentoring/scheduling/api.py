"""HTTP routes of sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kim_mentoring import access
from kim_mentoring.scheduling import handlers
from kim_shared.service import Pool

router = APIRouter(tags=["sessions"])


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    starts_at: datetime = Field(description="With an offset; on a working day, 08:00-16:00 WIB.")
    duration_minutes: int = Field(gt=0, le=480)


class SessionView(BaseModel):
    id: UUID
    request_id: UUID
    starts_at: datetime
    ends_at: datetime


@router.post(
    "/help-requests/{request_id:uuid}/sessions",
    status_code=201,
    response_model=SessionView,
    summary="Schedule a session",
)
async def schedule_session(
    request_id: UUID, body: NewSession, principal: access.Scheduler, pool: Pool
) -> SessionView:
    """The assigned expert or an operator of the request's kabupaten; never on a weekend or
    holiday, outside office hours or overlapping another session of the expert (409)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await handlers.schedule(
            conn,
            principal,
            request_id,
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            now=datetime.now(UTC),
        )
        return SessionView(
            id=row.id, request_id=row.request_id, starts_at=row.starts_at, ends_at=row.ends_at
        )
