"""Help requests as mentoring lists them for the caller: a KIM's members and officers see
their KIM's (``/kerja/permintaan``), operators their kabupaten's and give a request to
another expert (``/operator/permintaan``). Requests the system opened on a proactive rule
(a new KIM, rejected articles, the lowest evaluation band) are marked as such."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.routes.member import SKILLS
from kim_portal.web.access import Member, Token, role_in
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)])

STATUSES = {
    "requested": "Menunggu tenaga ahli",
    "assigned": "Ditugaskan",
    "scheduled": "Terjadwal",
    "done": "Selesai",
    "cancelled": "Dibatalkan",
}
RULES = {
    "onboarding": "KIM baru dibentuk: pendampingan awal",
    "rejected_articles": "Beberapa berita KIM dikembalikan moderator",
    "lowest_band": "Nilai evaluasi KIM pada predikat terendah",
}
URGENCIES = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi"}
OPEN = frozenset({"requested", "assigned", "scheduled"})
CURSOR = r"^[A-Za-z0-9_=-]{1,500}$"

# mentoring shows a kabupaten's requests to its operators; a province admin has none to see
KabupatenOperator = Annotated[User, Depends(role_in(frozenset({"operator_kabupaten"})))]
Status = Annotated[str, Query(max_length=20)]
Skill = Annotated[str, Query(max_length=30)]
After = Annotated[str, Query(max_length=500, pattern=CURSOR)]


def _filters(status: str, skill: str) -> dict[str, str]:
    """The filters the page offers; anything else is ignored (the list is unfiltered)."""
    chosen = {"status": status if status in STATUSES else ""}
    chosen["skill"] = skill if skill in SKILLS else ""
    return chosen


async def _kim_names(apis: Apis, token: str, user: User, kabupaten: str | None) -> dict[str, str]:
    if kabupaten:
        found = await apis.registry.kim_directory(token, kabupaten=kabupaten)
        return {k["id"]: k["name"] for k in found["items"]}
    profiles = await asyncio.gather(
        *(apis.registry.kim(uuid_or_404(k), token) for k in user.kim_ids), return_exceptions=True
    )
    return {p["id"]: p["name"] for p in profiles if isinstance(p, dict)}


async def _page(
    request: Request,
    apis: Apis,
    token: str,
    user: User,
    *,
    filters: dict[str, str],
    after: str,
    operator_of: str | None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    params: dict[str, Any] = {**filters, "cursor": after or None}
    if operator_of:
        params["kabupaten"] = operator_of
    listed, names = await asyncio.gather(
        apis.mentoring.help_requests(token, **params),
        _kim_names(apis, token, user, operator_of),
    )
    experts = await apis.mentoring.experts(token, operator_of) if operator_of else []
    context = {
        "requests": listed["items"],
        "next_cursor": listed.get("next_cursor"),
        "filters": filters,
        "kim_names": names,
        "experts": [e for e in experts if e.get("active", True)],
        "operator": operator_of is not None,
        "action": "/operator/permintaan" if operator_of else "/kerja/permintaan",
        "statuses": STATUSES,
        "rules": RULES,
        "urgencies": URGENCIES,
        "skills": SKILLS,
        "open": OPEN,
        "assigned": request.query_params.get("ditugaskan") if status_code == 200 else None,
        **extra,
    }
    return render(request, "mentoring/requests.html", context, status_code=status_code)


@router.get("/kerja/permintaan")
async def kim_requests(
    request: Request,
    apis: Apis,
    user: Member,
    token: Token,
    status: Status = "",
    skill: Skill = "",
    setelah: After = "",
) -> Response:
    """The KIM's help requests, newest first, whoever opened them."""
    return await _page(
        request,
        apis,
        token,
        user,
        filters=_filters(status, skill),
        after=setelah,
        operator_of=None,
    )


def _kabupaten(user: User, settings: Any) -> str:
    found: str = user.kabupaten or settings.default_kabupaten
    return found


@router.get("/operator/permintaan")
async def operator_requests(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: KabupatenOperator,
    token: Token,
    status: Status = "",
    skill: Skill = "",
    setelah: After = "",
) -> Response:
    """The kabupaten's help requests, newest first, each open one with its expert to change."""
    return await _page(
        request,
        apis,
        token,
        user,
        filters=_filters(status, skill),
        after=setelah,
        operator_of=_kabupaten(user, settings),
    )


@router.post("/operator/permintaan/{request_id}")
async def reassign(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: KabupatenOperator,
    token: Token,
    request_id: str,
    expert: Annotated[str, Form(min_length=1, max_length=255)],
) -> Response:
    """Give the request to the expert chosen (mentoring checks the operator's region)."""
    ident = uuid_or_404(request_id)
    try:
        await apis.mentoring.assign(ident, expert, token)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return await _page(
            request,
            apis,
            token,
            user,
            filters=_filters("", ""),
            after="",
            operator_of=_kabupaten(user, settings),
            status_code=problem.status,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/operator/permintaan?ditugaskan={ident}", status_code=303)
