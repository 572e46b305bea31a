"""Diskominfo operators score KIM: evaluation periods (the default lomba KIM template), the
ranking of a period, and the jury's score sheet of one KIM (If-Match on its version)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.web.access import Operator, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import NotFound
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(prefix="/operator/evaluasi", dependencies=[Depends(verify_csrf)])


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise NotFound() from exc


def _kabupaten(user: User, settings: Any) -> str:
    return user.kabupaten or settings.default_kabupaten


def _refused(problem: ApiProblem) -> dict[str, Any]:
    if problem.status >= 500 or problem.status == 401:
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
    ident = _uuid(period_id)
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
    return await _sheet_page(request, apis, token, _uuid(period_id), _uuid(kim_id))


@router.post("/{period_id}/kim/{kim_id}")
async def score(
    request: Request, apis: Apis, user: Operator, token: Token, period_id: str, kim_id: str
) -> Response:
    """Scores are the form's ``score.<criterion>`` fields (0-100), notes ``note.<criterion>``."""
    period_ident, kim_ident = _uuid(period_id), _uuid(kim_id)
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
