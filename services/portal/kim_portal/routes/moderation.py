"""Moderators: the kabupaten's queue by deadline, claim, decide with a reason code, and
each case's audit trail."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.routes.public import REPORT_REASONS
from kim_portal.web.access import Moderation, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import NotFound, uuid_or_404
from kim_portal.web.templating import render

router = APIRouter(prefix="/moderasi", dependencies=[Depends(verify_csrf)])

KABUPATEN = re.compile(r"^[0-9]{2}\.[0-9]{2}$")
DECISIONS = {
    "approve": "Setujui",
    "reject": "Tolak",
    "uphold": "Turunkan (laporan terbukti)",
    "dismiss": "Abaikan laporan",
    "grant": "Kabulkan banding",
    "deny": "Tolak banding",
}


@router.get("")
async def queue(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: Moderation,
    token: Token,
    kabupaten: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    code = kabupaten or user.kabupaten or settings.default_kabupaten
    if not KABUPATEN.match(code):
        raise NotFound()
    cases = await apis.content.cases(token, code)
    return render(request, "moderation/queue.html", {"cases": cases, "kabupaten": code})


async def _case_page(
    request: Request, apis: Apis, token: str, case_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    case, audit = await asyncio.gather(
        apis.content.case(case_id, token), apis.content.audit(case_id, token)
    )
    return render(
        request,
        "moderation/case.html",
        {
            "case": case,
            "audit": audit,
            "decisions": DECISIONS,
            "reasons": REPORT_REASONS,
            "key": str(uuid.uuid4()),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/{case_id}")
async def case(
    request: Request, apis: Apis, user: Moderation, token: Token, case_id: str
) -> Response:
    return await _case_page(request, apis, token, uuid_or_404(case_id))


@router.post("/{case_id}/klaim")
async def claim(
    request: Request, apis: Apis, user: Moderation, token: Token, case_id: str
) -> Response:
    ident = uuid_or_404(case_id)
    try:
        await apis.content.claim(ident, token)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return await _case_page(
            request, apis, token, ident, status_code=problem.status, error=problem.message
        )
    return RedirectResponse(f"/moderasi/{ident}", status_code=303)


@router.post("/{case_id}/putusan")
async def decide(
    request: Request,
    apis: Apis,
    user: Moderation,
    token: Token,
    case_id: str,
    decision: Annotated[str, Form(max_length=20)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
    reason_code: Annotated[str, Form(max_length=40)] = "",
    feedback: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    ident = uuid_or_404(case_id)
    body = {
        "decision": decision,
        "reason_code": reason_code or None,
        "feedback": feedback.strip() or None,
    }
    try:
        await apis.content.decide(ident, body, token, key)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return await _case_page(
            request,
            apis,
            token,
            ident,
            status_code=problem.status,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/moderasi/{ident}", status_code=303)
