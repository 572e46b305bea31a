"""Commands on experts: an operator records an expert of the kabupaten."""

from __future__ import annotations

from datetime import datetime

from kim_mentoring import access
from kim_mentoring.experts import repository as repo
from kim_mentoring.experts.repository import ExpertRow
from kim_mentoring.experts.schemas import ExpertProfile
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound
from kim_shared.projections.regions.lookups import region

EXPERT_NOT_FOUND = "The expert was not found."


async def put(
    conn: Connection, principal: Principal, subject: str, body: ExpertProfile, now: datetime
) -> ExpertRow:
    """Create or replace an expert of the operator's kabupaten (another kabupaten's: 404)."""
    existing = await repo.get(conn, subject, lock=True)
    if existing is not None and not access.operates(principal, existing.kabupaten_code):
        raise NotFound(EXPERT_NOT_FOUND)
    found = await region(conn, body.kabupaten_code)
    if found is None or not access.operates(principal, body.kabupaten_code):
        raise Invalid(
            "The kabupaten must be a kabupaten/kota of your region.", field="body.kabupaten_code"
        )
    return await repo.put(
        conn,
        subject,
        kabupaten_code=body.kabupaten_code,
        skills=sorted(set(body.skills)),
        weekly_capacity=body.weekly_capacity,
        active=body.active,
        now=now,
    )
