"""Diskominfo operators score KIM: evaluation periods (the default lomba KIM template), the
ranking of a period, the jury's score sheet of one KIM (If-Match on its version), and
finalizing a period after a confirmation step (also closing a running one early)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.web.access import Operator, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render
from kim_shared.clock import WIB

router = APIRouter(prefix="/operator/evaluasi", dependencies=[Depends(verify_csrf)])


def _kabupaten(user: User, settings: Any) -> str:
    return user.kabupaten or settings.default_kabupaten


def _refused(problem: ApiProblem) -> dict[str, Any]:
    if not problem.for_the_form:
        raise problem
    return {"error": problem.message, "issues": problem.issues}


async def _periods_page(
    request: Request, apis: Apis, token: str, code: str, *, status_code: int = 200, **extra: Any
) -> Response:
    periods = await apis.registry.evaluation_periods(token, code)
    context = {"periods": periods["periods"], "scope": code, "key": str(uuid.uuid4()), "values": {}}
    return render(request, "operator/evaluations.html", context | extra, status_code=status_code)


@router.get("")
async def periods(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token
) -> Response:
    return await _periods_page(request, apis, token, _kabupaten(user, settings))


@router.post("")
async def create_period(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: Operator,
    token: Token,
    name: Annotated[str, Form(max_length=200)],
    starts_on: Annotated[str, Form(max_length=10)],
    ends_on: Annotated[str, Form(max_length=10)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    code = _kabupaten(user, settings)
    body = {"kabupaten_code": code, "name": name.strip(), "starts_on": starts_on}
    body["ends_on"] = ends_on
    try:
        created = await apis.registry.create_period(body, token, key)
    except ApiProblem as problem:
        return await _periods_page(
            request,
            apis,
            token,
            code,
            status_code=problem.status,
            key=key,
            values=body,
            **_refused(problem),
        )
    return RedirectResponse(f"/operator/evaluasi/{created['id']}", status_code=303)


@router.get("/{period_id}")
async def period(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token, period_id: str
) -> Response:
    """The period, its aktif KIM to score, and the ranking once the period is finalized."""
    ident = uuid_or_404(period_id)
    found, groups = await asyncio.gather(
        apis.registry.period(ident, token),
        apis.registry.kim_directory(token, kabupaten=_kabupaten(user, settings), status="aktif"),
    )
    results = None
    if found["status"] == "finalized":
        results = (await apis.registry.period_results(ident, token))["results"]
    return render(
        request,
        "operator/period.html",
        {"period": found, "results": results, "groups": groups["items"]},
    )


async def _sheet_page(
    request: Request,
    apis: Apis,
    token: str,
    period_id: str,
    kim_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    found, sheet, kim = await asyncio.gather(
        apis.registry.period(period_id, token),
        apis.registry.scores(period_id, kim_id, token),
        apis.registry.kim(kim_id, token),
    )
    jury = [c for c in found["criteria"] if c["source"] == "jury"]
    saved = request.query_params.get("tersimpan") == "1" and status_code == 200
    context = {"period": found, "sheet": sheet, "kim": kim, "jury": jury, "saved": saved, **extra}
    return render(request, "operator/scores.html", context, status_code=status_code)


@router.get("/{period_id}/kim/{kim_id}")
async def sheet(
    request: Request, apis: Apis, user: Operator, token: Token, period_id: str, kim_id: str
) -> Response:
    return await _sheet_page(request, apis, token, uuid_or_404(period_id), uuid_or_404(kim_id))


@router.post("/{period_id}/kim/{kim_id}")
async def score(
    request: Request, apis: Apis, user: Operator, token: Token, period_id: str, kim_id: str
) -> Response:
    """Scores are the form's ``score.<criterion>`` fields (0-100), notes ``note.<criterion>``."""
    period_ident, kim_ident = uuid_or_404(period_id), uuid_or_404(kim_id)
    form = await request.form()
    scores: dict[str, float] = {}
    notes: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str) or not value.strip():
            continue
        if name.startswith("score."):
            try:
                scores[name.removeprefix("score.")] = float(value.replace(",", "."))
            except ValueError:
                return await _sheet_page(
                    request,
                    apis,
                    token,
                    period_ident,
                    kim_ident,
                    status_code=422,
                    error="Nilai harus berupa angka 0 sampai 100.",
                )
        elif name.startswith("note."):
            notes[name.removeprefix("note.")] = value.strip()
    version = str(form.get("version") or "0")
    try:
        await apis.registry.put_scores(
            period_ident, kim_ident, {"scores": scores, "notes": notes}, token, f'"{version}"'
        )
    except ApiProblem as problem:
        return await _sheet_page(
            request,
            apis,
            token,
            period_ident,
            kim_ident,
            status_code=problem.status,
            **_refused(problem),
        )
    return RedirectResponse(
        f"/operator/evaluasi/{period_ident}/kim/{kim_ident}?tersimpan=1", status_code=303
    )


def _running(period: dict[str, Any]) -> bool:
    """The period has not reached its last day yet (in WIB): finalizing closes it early."""
    return date.fromisoformat(period["ends_on"]) >= datetime.now(WIB).date()


async def _confirm_page(
    request: Request,
    apis: Apis,
    token: str,
    period_id: str,
    code: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    found, groups = await asyncio.gather(
        apis.registry.period(period_id, token),
        apis.registry.kim_directory(token, kabupaten=code, status="aktif"),
    )
    if found["status"] == "finalized" and status_code == 200:
        return RedirectResponse(f"/operator/evaluasi/{period_id}", status_code=303)
    context = {
        "period": found,
        "running": _running(found),
        "count": len(groups["items"]),
        "key": str(uuid.uuid4()),
        **extra,
    }
    return render(request, "operator/finalize.html", context, status_code=status_code)


@router.get("/{period_id}/final")
async def confirm_finalize(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token, period_id: str
) -> Response:
    """What finalizing does (every aktif KIM scored, missing jury scores as 0, results
    published), and whether it closes a running period early; the operator confirms."""
    return await _confirm_page(
        request, apis, token, uuid_or_404(period_id), _kabupaten(user, settings)
    )


@router.post("/{period_id}/final")
async def finalize(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: Operator,
    token: Token,
    period_id: str,
    key: Annotated[str, Form(min_length=8, max_length=64)],
    close_early: Annotated[bool, Form()] = False,
) -> Response:
    """Finalize (the form's key is the Idempotency-Key: a repeated send finalizes once);
    the ranking shows on the period's page afterwards."""
    ident = uuid_or_404(period_id)
    try:
        await apis.registry.finalize(ident, token, close_early=close_early, key=key)
    except ApiProblem as problem:
        return await _confirm_page(
            request,
            apis,
            token,
            ident,
            _kabupaten(user, settings),
            status_code=problem.status,
            **_refused(problem),
        )
    return RedirectResponse(f"/operator/evaluasi/{ident}?final=1", status_code=303)
