"""HTTP routes of experts: record one, list those of a kabupaten."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path, Query

from kim_mentoring import access
from kim_mentoring.experts import handlers
from kim_mentoring.experts import repository as repo
from kim_mentoring.experts.repository import ExpertRow
from kim_mentoring.experts.schemas import KABUPATEN_PATTERN, ExpertProfile, ExpertView
from kim_shared.service import Pool

router = APIRouter(tags=["experts"])


def _view(row: ExpertRow) -> ExpertView:
    return ExpertView(
        subject=row.subject,
        kabupaten_code=row.kabupaten_code,
        skills=row.skills,
        weekly_capacity=row.weekly_capacity,
        active=row.active,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.put("/experts/{subject}", response_model=ExpertView, summary="Record an expert")
async def put_expert(
    body: ExpertProfile,
    principal: access.Operator,
    pool: Pool,
    subject: str = Path(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._@:-]+$"),
) -> ExpertView:
    """Operators of the expert's kabupaten: skills, weekly capacity and whether active."""
    async with pool.acquire() as conn, conn.transaction():
        return _view(await handlers.put(conn, principal, subject, body, datetime.now(UTC)))


@router.get("/experts", response_model=list[ExpertView], summary="Experts of a kabupaten")
async def list_experts(
    principal: access.Operator,
    pool: Pool,
    kabupaten_code: str = Query(pattern=KABUPATEN_PATTERN),
) -> list[ExpertView]:
    """Operators of that kabupaten; another kabupaten's list is empty to them (a filter
    outside the caller's region selects nothing, as in the registry's directory)."""
    if not access.operates(principal, kabupaten_code):
        return []
    async with pool.acquire() as conn:
        return [_view(row) for row in await repo.in_kabupaten(conn, kabupaten_code)]
