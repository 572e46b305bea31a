"""KIM members and officers: write and revise articles (screening shown in place), ask for
help, register for trainings, see the KIM's activity and evaluations."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis
from kim_portal.highlight import pieces
from kim_portal.places import VillageChoice, in_kabupaten, in_kecamatan, kecamatan_code
from kim_portal.web.access import Member, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(prefix="/kerja", dependencies=[Depends(verify_csrf)])

CATEGORIES = {
    "kegiatan_desa": "Kegiatan desa",
    "kebijakan_pengumuman": "Kebijakan dan pengumuman",
    "umkm": "UMKM",
    "potensi_desa": "Potensi desa",
    "agenda": "Agenda",
}
STATUS_LABELS = {
    "draft": "Draf",
    "editor_review": "Ditinjau editor KIM",
    "diskominfo_review": "Ditinjau Diskominfo",
    "scheduled": "Terjadwal",
    "published": "Terbit",
    "rejected": "Dikembalikan",
    "taken_down": "Diturunkan",
}
SKILLS = {
    "jurnalistik": "Jurnalistik",
    "fotografi": "Fotografi",
    "videografi": "Videografi",
    "media_sosial": "Media sosial",
    "kehumasan": "Kehumasan",
    "pemasaran_digital": "Pemasaran digital",
    "desain": "Desain",
}
REGISTRATION_STATUSES = {
    "confirmed": "Terkonfirmasi",
    "waitlisted": "Daftar tunggu",
    "cancelled": "Dibatalkan",
    "completed": "Lulus",
}
MODES = {"online": "Daring", "kunjungan": "Kunjungan", "kantor": "Di kantor Diskominfo"}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _problem_form(problem: ApiProblem) -> dict[str, Any]:
    if not problem.for_the_form:
        raise problem
    return {"error": problem.message, "issues": problem.issues}


@router.get("")
async def workspace(request: Request, apis: Apis, user: Member, token: Token) -> Response:
    page = await apis.content.my_articles(token)
    return render(
        request, "member/workspace.html", {"articles": page["items"], "statuses": STATUS_LABELS}
    )


async def _kim_profiles(apis: Apis, user: User, token: str) -> list[dict[str, Any]]:
    """The public profiles of the KIM the user serves (those the registry still knows)."""
    found = await asyncio.gather(
        *(apis.registry.kim(k, token) for k in user.kim_ids if _is_uuid(k)),
        return_exceptions=True,
    )
    return [k for k in found if isinstance(k, dict)]


async def _village_choice(
    apis: Apis, user: User, token: str, *, kim_id: str, selected: str, kecamatan: str = ""
) -> VillageChoice:
    """The villages of the KIM's kecamatan, the KIM's own village first chosen; without a
    KIM, the kecamatan of the user's kabupaten and then the villages of the one chosen."""
    profiles = await _kim_profiles(apis, user, token)
    home = next((p for p in profiles if p["id"] == kim_id), profiles[0] if profiles else None)
    if home is not None and not kecamatan:
        return await in_kecamatan(
            apis.registry, home["kecamatan_code"], selected or home["village_code"]
        )
    return await in_kabupaten(
        apis.registry,
        user.kabupaten,
        kecamatan=kecamatan or kecamatan_code(selected) or kecamatan_code(user.region),
        selected=selected,
    )


async def _article_form(
    request: Request,
    apis: Apis,
    user: User,
    token: str,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    kecamatan: str = "",
    **extra: Any,
) -> Response:
    choice = await _village_choice(
        apis,
        user,
        token,
        kim_id=str(values.get("kim_id") or ""),
        selected=str(values.get("village_code") or ""),
        kecamatan=kecamatan,
    )
    return render(
        request,
        "member/article_form.html",
        {
            "values": values,
            "categories": CATEGORIES,
            "kims": user.kim_ids,
            "choice": choice,
            **extra,
        },
        status_code=status_code,
    )


@router.get("/artikel/baru")
async def new_article(request: Request, apis: Apis, user: Member, token: Token) -> Response:
    values = {
        "draft_key": str(uuid.uuid4()),
        "kim_id": user.kim_ids[0] if user.kim_ids else "",
        "village_code": user.region if user.region and len(user.region) == 13 else "",
        "category": "kegiatan_desa",
    }
    return await _article_form(request, apis, user, token, values)


def _content(title: str, body: str, category: str, village_code: str) -> dict[str, Any]:
    return {
        "title": title.strip(),
        "body": body.strip(),
        "category": category,
        "village_code": village_code.strip(),
    }


@router.post("/artikel")
async def write_article(
    request: Request,
    apis: Apis,
    user: Member,
    token: Token,
    draft_key: Annotated[str, Form(min_length=8, max_length=64)],
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=50_000)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    village_code: Annotated[str, Form(max_length=20)] = "",
    kim_id: Annotated[str, Form(max_length=40)] = "",
    kecamatan: Annotated[str, Form(max_length=8)] = "",
    pilih: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Write and submit at once. The draft's key is the Idempotency-Key: a form sent again
    (a retry after the connection dropped) gets the same article, submitted once. The
    kecamatan's button (``pilih``) only shows that kecamatan's villages: nothing is sent."""
    values = {**_content(title, body, category, village_code), "kim_id": kim_id.strip()}
    values["draft_key"] = draft_key
    if pilih == "kecamatan":
        values["village_code"] = ""
        return await _article_form(request, apis, user, token, values, kecamatan=kecamatan)
    try:
        created = await apis.content.write(
            {k: v for k, v in values.items() if k != "draft_key"}, token, draft_key
        )
        if created["status"] == "draft":
            await apis.content.submit(created["id"], token, f'"{created["version"]}"')
    except ApiProblem as problem:
        return await _article_form(
            request, apis, user, token, values, status_code=problem.status, **_problem_form(problem)
        )
    return RedirectResponse(f"/kerja/artikel/{created['id']}", status_code=303)


async def _article_page(
    request: Request, apis: Apis, found: dict[str, Any], *, status_code: int = 200, **extra: Any
) -> Response:
    village = str(found["content"].get("village_code") or "")
    choice = await in_kecamatan(apis.registry, kecamatan_code(village), village)
    screening = found.get("screening") or {}
    findings = screening.get("findings") or []
    content = found["content"]
    return render(
        request,
        "member/article.html",
        {
            "article": found,
            "statuses": STATUS_LABELS,
            "categories": CATEGORIES,
            "title_pieces": pieces(content["title"], findings, "title"),
            "body_pieces": pieces(content["body"], findings, "body"),
            "findings": findings,
            "revisable": found["status"] in ("draft", "rejected"),
            "choice": choice,
            **extra,
        },
        status_code=status_code,
    )


@router.get("/artikel/{article_id}")
async def article(
    request: Request, apis: Apis, user: Member, token: Token, article_id: str
) -> Response:
    return await _article_page(
        request, apis, await apis.content.article(uuid_or_404(article_id), token)
    )


@router.post("/artikel/{article_id}")
async def revise_article(
    request: Request,
    apis: Apis,
    user: Member,
    token: Token,
    article_id: str,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=50_000)],
    category: Annotated[str, Form(max_length=40)],
    village_code: Annotated[str, Form(max_length=20)],
    version: Annotated[int, Form()],
) -> Response:
    """A new revision (If-Match: the version the form was shown with), then submitted."""
    found_id = uuid_or_404(article_id)
    try:
        revised = await apis.content.revise(
            found_id, _content(title, body, category, village_code), token, f'"{version}"'
        )
        await apis.content.submit(found_id, token, f'"{revised["version"]}"')
    except ApiProblem as problem:
        current = await apis.content.article(found_id, token)
        return await _article_page(
            request, apis, current, status_code=problem.status, **_problem_form(problem)
        )
    return RedirectResponse(f"/kerja/artikel/{found_id}", status_code=303)


async def _my_kims(apis: Apis, user: User, token: str) -> list[dict[str, str]]:
    """The KIM the user serves (id and name), to choose from instead of typing an id."""
    return [{"id": k["id"], "name": k["name"]} for k in await _kim_profiles(apis, user, token)]


@router.get("/bantuan")
async def help_form(request: Request, apis: Apis, user: Member, token: Token) -> Response:
    values = {"key": str(uuid.uuid4()), "kim_id": user.kim_ids[0] if user.kim_ids else ""}
    kims = await _my_kims(apis, user, token)
    return render(
        request,
        "member/help.html",
        {"values": values, "skills": SKILLS, "modes": MODES, "kims": kims},
    )


@router.post("/bantuan")
async def ask_help(
    request: Request,
    apis: Apis,
    user: Member,
    token: Token,
    kim_id: Annotated[str, Form(max_length=40)],
    skill: Annotated[str, Form(max_length=40)],
    mode: Annotated[str, Form(max_length=20)],
    description: Annotated[str, Form(max_length=2000)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    values = {"kim_id": kim_id.strip(), "skill": skill, "mode": mode}
    values["description"] = description.strip()
    kims = await _my_kims(apis, user, token)
    try:
        opened = await apis.mentoring.ask_help(values, token, key)
    except ApiProblem as problem:
        return render(
            request,
            "member/help.html",
            {"values": {**values, "key": key}, "skills": SKILLS, "modes": MODES, "kims": kims}
            | _problem_form(problem),
            status_code=problem.status,
        )
    fresh = {"key": str(uuid.uuid4()), "kim_id": values["kim_id"]}
    return render(
        request,
        "member/help.html",
        {"opened": opened, "values": fresh, "skills": SKILLS, "modes": MODES, "kims": kims},
    )


@router.get("/pelatihan")
async def trainings(request: Request, apis: Apis, user: Member, token: Token) -> Response:
    """The kabupaten's trainings, and the user's registrations with their certificates."""
    found, mine = await asyncio.gather(
        apis.mentoring.trainings(user.kabupaten), apis.mentoring.my_registrations(token)
    )
    return render(
        request,
        "member/trainings.html",
        {
            "trainings": found,
            "registrations": mine["items"],
            "reg_statuses": REGISTRATION_STATUSES,
            "skills": SKILLS,
            "key": str(uuid.uuid4()),
        },
    )


@router.post("/pelatihan/{training_id}")
async def register(
    request: Request,
    apis: Apis,
    user: Member,
    token: Token,
    training_id: str,
    participant_name: Annotated[str, Form(max_length=100)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    context: dict[str, Any] = {
        "skills": SKILLS,
        "key": str(uuid.uuid4()),
        "reg_statuses": REGISTRATION_STATUSES,
    }
    status = 200
    try:
        context["registered"] = await apis.mentoring.register(
            uuid_or_404(training_id), {"participant_name": participant_name.strip()}, token, key
        )
    except ApiProblem as problem:
        context |= _problem_form(problem)
        status = problem.status
    context["trainings"], mine = await asyncio.gather(
        apis.mentoring.trainings(user.kabupaten), apis.mentoring.my_registrations(token)
    )
    context["registrations"] = mine["items"]
    return render(request, "member/trainings.html", context, status_code=status)


@router.get("/kim")
async def my_kim(request: Request, apis: Apis, user: Member, token: Token) -> Response:
    """The KIM's activity and evaluations (pengelola; a member sees the profile)."""
    groups = []
    for kim_id in user.kim_ids:
        ident = uuid_or_404(kim_id)
        profile, evaluations = await asyncio.gather(
            apis.registry.kim(ident, token), apis.registry.kim_evaluations(ident, token)
        )
        try:
            activity = await apis.registry.kim_activity(ident, token)
        except ApiProblem as problem:
            if problem.status not in (403, 404):
                raise
            activity = None
        groups.append({"profile": profile, "activity": activity, "evaluations": evaluations})
    return render(request, "member/kim.html", {"groups": groups})
