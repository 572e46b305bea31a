"""Responses about help requests."""

from __future__ import annotations

from kim_mentoring.requests.repository import HelpRequestRow
from kim_mentoring.requests.schemas import HelpRequestView


def request_view(row: HelpRequestRow) -> HelpRequestView:
    return HelpRequestView(
        id=row.id,
        kim_id=row.kim_id,
        kabupaten_code=row.kabupaten_code,
        skill=row.skill,
        description=row.description,
        mode=row.mode,
        urgency=row.urgency,
        status=row.status,
        expert_subject=row.expert_subject,
        opened_at=row.opened_at,
        sla_due_at=row.sla_due_at,
        assigned_at=row.assigned_at,
        outcome=row.outcome,
        rating=row.rating,
        closed_at=row.closed_at,
        version=row.version,
        origin=row.origin,
        rule=row.rule,
    )
