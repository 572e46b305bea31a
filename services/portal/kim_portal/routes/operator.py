"""Diskominfo operators: the KIM registry (form, lifecycle, members with masked NIK),
coverage per kecamatan against targets, evaluation results, experts and trainings."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.charts import coverage_chart
from kim_portal.clients.base import ApiProblem
from kim_portal.deadletters import overview
from kim_portal.deps import Apis, Settings
from kim_portal.places import in_kabupaten, kecamatan_code
from kim_portal.web.access import Operator, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(prefix="/operator", dependencies=[Depends(verify_csrf)])

STATUS_REASONS = {
    "memenuhi_syarat": "Memenuhi syarat",
    "tidak_ada_kegiatan": "Tidak ada kegiatan",
    "pengurus_tidak_lengkap": "Pengurus tidak lengkap",
    "permintaan_pengurus": "Permintaan pengurus",
    "digabung": "Digabung",
    "perubahan_wilayah": "Perubahan wilayah",
    "pelanggaran_aturan": "Pelanggaran aturan",
    "usulan_ditolak": "Usulan ditolak",
    "lainnya": "Lainnya",
}
STATUSES = {"calon": "Calon", "aktif": "Aktif", "tidak_aktif": "Tidak aktif"}
STATUSES["dibubarkan"] = "Dibubarkan"
POSITIONS = {
    "ketua": "Ketua",
    "wakil_ketua": "Wakil ketua",
    "sekretaris": "Sekretaris",
    "bendahara": "Bendahara",
    "anggota": "Anggota",
}


def _scope(user: User, settings: Any) -> str:
    return user.kabupaten or user.region or settings.default_kabupaten


def _refused(problem: ApiProblem) -> dict[str, Any]:
    if not problem.for_the_form:
        raise problem
    return {"error": problem.message, "issues": problem.issues}


async def _registry_page(
    request: Request,
    apis: Apis,
    token: str,
    scope: str,
    *,
    key: str,
    values: dict[str, Any],
    kecamatan: str = "",
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The KIM of the scope, and the form of a new one: kecamatan first, then its village."""
    selected = str(values.get("village_code") or "")
    page, choice = await asyncio.gather(
        apis.registry.kim_directory(token, kabupaten=scope if len(scope) == 5 else None),
        in_kabupaten(
            apis.registry,
            scope if len(scope) == 5 else None,
            kecamatan=kecamatan or kecamatan_code(selected) or kecamatan_code(scope),
            selected=selected,
        ),
    )
    return render(
        request,
        "operator/registry.html",
        {
            "groups": page["items"],
            "scope": scope,
            "key": key,
            "values": values,
            "choice": choice,
            **extra,
        },
        status_code=status_code,
    )


@router.get("")
async def registry(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token
) -> Response:
    scope = _scope(user, settings)
    return await _registry_page(request, apis, token, scope, key=str(uuid.uuid4()), values={})


@router.post("/kim")
async def form_kim(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: Operator,
    token: Token,
    key: Annotated[str, Form(min_length=8, max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    village_code: Annotated[str, Form(max_length=20)] = "",
    kecamatan: Annotated[str, Form(max_length=8)] = "",
    pilih: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Form a KIM (calon). The kecamatan's button (``pilih``) only shows that kecamatan's
    villages: nothing is sent."""
    body = {"name": name.strip(), "village_code": village_code.strip()}
    scope = _scope(user, settings)
    if pilih == "kecamatan":
        values = {**body, "village_code": ""}
        return await _registry_page(
            request, apis, token, scope, key=key, values=values, kecamatan=kecamatan
        )
    try:
        created = await apis.registry.form_kim(body, token, key)
    except ApiProblem as problem:
        return await _registry_page(
            request,
            apis,
            token,
            scope,
            key=key,
            values=body,
            status_code=problem.status,
            **_refused(problem),
        )
    return RedirectResponse(f"/operator/kim/{created['id']}", status_code=303)


async def _kim_page(
    request: Request, apis: Apis, token: str, kim_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    profile, members = await asyncio.gather(
        apis.registry.kim(kim_id, token), apis.registry.members(kim_id, token)
    )
    return render(
        request,
        "operator/kim.html",
        {
            "kim": profile,
            "members": members["items"],
            "statuses": STATUSES,
            "reasons": STATUS_REASONS,
            "positions": POSITIONS,
            "key": str(uuid.uuid4()),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/kim/{kim_id}")
async def kim(request: Request, apis: Apis, user: Operator, token: Token, kim_id: str) -> Response:
    return await _kim_page(request, apis, token, uuid_or_404(kim_id))


@router.post("/kim/{kim_id}/status")
async def change_status(
    request: Request,
    apis: Apis,
    user: Operator,
    token: Token,
    kim_id: str,
    to: Annotated[str, Form(max_length=20)],
    reason_code: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    ident = uuid_or_404(kim_id)
    body = {"to": to, "reason_code": reason_code or None, "reason": reason.strip() or None}
    try:
        await apis.registry.change_status(ident, body, token)
    except ApiProblem as problem:
        return await _kim_page(
            request, apis, token, ident, status_code=problem.status, **_refused(problem)
        )
    return RedirectResponse(f"/operator/kim/{ident}", status_code=303)


@router.post("/kim/{kim_id}/anggota")
async def add_member(
    request: Request,
    apis: Apis,
    user: Operator,
    token: Token,
    kim_id: str,
    full_name: Annotated[str, Form(max_length=200)],
    nik: Annotated[str, Form(max_length=32)],
    position: Annotated[str, Form(max_length=20)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
    user_subject: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    ident = uuid_or_404(kim_id)
    body = {
        "full_name": full_name.strip(),
        "nik": nik.strip(),
        "position": position,
        "user_subject": user_subject.strip() or None,
    }
    try:
        await apis.registry.add_member(ident, body, token, key)
    except ApiProblem as problem:
        return await _kim_page(
            request, apis, token, ident, status_code=problem.status, **_refused(problem)
        )
    return RedirectResponse(f"/operator/kim/{ident}", status_code=303)


@router.get("/cakupan")
async def coverage(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token
) -> Response:
    return await _coverage_page(request, apis, token, _scope(user, settings), str(uuid.uuid4()))


@router.post("/cakupan/target")
async def create_target(
    request: Request,
    apis: Apis,
    settings: Settings,
    user: Operator,
    token: Token,
    label: Annotated[str, Form(max_length=200)],
    due_on: Annotated[str, Form(max_length=10)],
    villages_target: Annotated[str, Form(max_length=6)],
    key: Annotated[str, Form(min_length=8, max_length=64)],
    per_kecamatan: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    scope = _scope(user, settings)
    body = {
        "region_code": scope,
        "label": label.strip(),
        "due_on": due_on,
        "villages_target": int(villages_target) if villages_target.isdigit() else None,
        "per_kecamatan": bool(per_kecamatan),
    }
    try:
        await apis.registry.create_target(body, token, key)
    except ApiProblem as problem:
        return await _coverage_page(
            request, apis, token, scope, key, status_code=problem.status, **_refused(problem)
        )
    return RedirectResponse("/operator/cakupan", status_code=303)


async def _coverage_page(
    request: Request,
    apis: Apis,
    token: str,
    scope: str,
    key: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The coverage of ``scope`` against its targets, with the target form (``key``: its
    Idempotency-Key, kept when the form comes back refused)."""
    found, targets = await asyncio.gather(
        apis.registry.coverage(scope, token), apis.registry.targets(token, scope)
    )
    context = {
        "coverage": found,
        "chart": coverage_chart(found["rows"]),
        "targets": targets.get("targets", []),
        "scope": scope,
        "key": key,
    }
    return render(request, "operator/coverage.html", context | extra, status_code=status_code)


@router.get("/pendampingan")
async def mentoring(
    request: Request, apis: Apis, settings: Settings, user: Operator, token: Token
) -> Response:
    scope = _scope(user, settings)
    experts, trainings = await asyncio.gather(
        apis.mentoring.experts(token, scope), apis.mentoring.trainings(scope, token)
    )
    return render(
        request,
        "operator/mentoring.html",
        {"experts": experts, "trainings": trainings, "scope": scope},
    )


@router.get("/surat-mati")
async def dead_letters(request: Request, apis: Apis, user: Operator, token: Token) -> Response:
    found = await overview(
        {
            "registry": apis.registry.dead_letters,
            "content": apis.content.dead_letters,
            "marketplace": apis.marketplace.dead_letters,
            "mentoring": apis.mentoring.dead_letters,
        },
        token,
    )
    return render(request, "operator/dead_letters.html", {"overview": found})
