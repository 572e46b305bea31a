"""Operators of a kabupaten and its trainings: the trainings (``/operator/pelatihan``), one
training's registrations with a form to record who attended on one of its working days, and
afterwards who completed it and their certificate codes (mentoring completes and certifies)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.routes.member import REGISTRATION_STATUSES, SKILLS
from kim_portal.web.access import Token, role_in
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(prefix="/operator/pelatihan", dependencies=[Depends(verify_csrf)])

# mentoring lets the operators of a training's kabupaten record attendance; nobody else
KabupatenOperator = Annotated[User, Depends(role_in(frozenset({"operator_kabupaten"})))]


def _scope(user: User, settings: Any) -> str:
    found: str = user.kabupaten or settings.default_kabupaten
    return found


@router.get("")
async def trainings(
    request: Request, apis: Apis, settings: Settings, user: KabupatenOperator, token: Token
) -> Response:
    """The kabupaten's trainings, each one click from its attendance."""
    scope = _scope(user, settings)
    found = await apis.mentoring.trainings(scope, token)
    return render(
        request,
        "operator/trainings.html",
        {"trainings": found, "scope": scope, "skills": SKILLS},
    )


async def _page(
    request: Request,
    apis: Apis,
    token: str,
    training_id: str,
    *,
    status_code: int = 200,
    chosen_day: str = "",
    **extra: Any,
) -> Response:
    training, registrations = await asyncio.gather(
        apis.mentoring.training(training_id),
        apis.mentoring.registrations(training_id, token),
    )
    days = [date.fromisoformat(d) for d in training["days"]]  # mentoring's working days
    recorded = request.query_params.get("tercatat") if status_code == 200 else None
    context = {
        "training": training,
        "registrations": registrations,
        "present": [r for r in registrations if r["status"] in ("confirmed", "completed")],
        "days": [d.isoformat() for d in days],
        "chosen_day": chosen_day or recorded or (days[0].isoformat() if days else ""),
        "recorded": recorded if recorded in {d.isoformat() for d in days} else None,
        "reg_statuses": REGISTRATION_STATUSES,
        "skills": SKILLS,
        **extra,
    }
    return render(request, "operator/training.html", context, status_code=status_code)


@router.get("/{training_id}")
async def training(
    request: Request, apis: Apis, user: KabupatenOperator, token: Token, training_id: str
) -> Response:
    return await _page(request, apis, token, uuid_or_404(training_id))


@router.post("/{training_id}/kehadiran")
async def record_attendance(
    request: Request,
    apis: Apis,
    user: KabupatenOperator,
    token: Token,
    training_id: str,
    day: Annotated[str, Form(max_length=10)] = "",
    hadir: Annotated[list[str] | None, Form(max_length=500)] = None,
) -> Response:
    """Who attended on ``day`` (checked boxes); mentoring refuses a day that is not one of
    the training's working days and anyone who is not a confirmed participant."""
    ident = uuid_or_404(training_id)
    chosen = [h for h in hadir or [] if h]
    if not chosen:
        return await _page(
            request,
            apis,
            token,
            ident,
            status_code=422,
            chosen_day=day,
            error="Centang setidaknya satu peserta yang hadir.",
        )
    try:
        await apis.mentoring.record_attendance(ident, day, chosen, token)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return await _page(
            request,
            apis,
            token,
            ident,
            status_code=problem.status,
            chosen_day=day,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/operator/pelatihan/{ident}?tercatat={day}", status_code=303)
