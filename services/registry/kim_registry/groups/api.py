"""HTTP routes for KIM groups: directory, profile, formation, lifecycle.

Members are in :mod:`kim_registry.groups.members_api`, kabupaten rules in
:mod:`kim_registry.groups.rules_api`; both are included in :data:`router`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_registry.access import KimEditor, Operator, ensure_can_edit_kim, is_staff
from kim_registry.groups import handlers, queries
from kim_registry.groups.domain import EmptyFilter, narrowest_region
from kim_registry.groups.members_api import router as members_router
from kim_registry.groups.repository import KimFilter, KimRow, list_history
from kim_registry.groups.rules_api import router as rules_router
from kim_registry.groups.schemas import (
    KimCreate,
    KimDetail,
    KimPage,
    KimPatch,
    KimProfile,
    StatusChange,
    StatusEntry,
)
from kim_registry.groups.views import audience, history_entry
from kim_shared.auth import OptionalPrincipal, Principal
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.events.types.registry import KimStatus
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchOptional, IfMatchRequired, etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["kim"])

_KABUPATEN = r"^\d{2}\.\d{2}$"
_KECAMATAN = r"^\d{2}\.\d{2}\.\d{2}$"
_VILLAGE = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"


async def _respond(conn: Connection, principal: Principal | None, kim: KimRow) -> Response:
    """The KIM as the caller's audience sees it, with its ETag (404 for another tenant)."""
    view = audience(principal, kim)
    if view is None:
        raise NotFound(handlers.KIM_NOT_FOUND)
    return with_etag(await queries.kim_view(conn, kim, view, today()), kim.version)


@router.get("/kim", response_model=KimPage, summary="Directory of KIM (public fields)")
async def list_kim(
    pool: Pool,
    principal: OptionalPrincipal,
    kabupaten: Annotated[str | None, Query(pattern=_KABUPATEN)] = None,
    kecamatan: Annotated[str | None, Query(pattern=_KECAMATAN)] = None,
    village: Annotated[str | None, Query(pattern=_VILLAGE)] = None,
    status: KimStatus | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> KimPage:
    """Anyone gets the public directory; staff tokens see only their own region."""
    scope = principal.region_scope if principal is not None and is_staff(principal) else None
    try:
        region = narrowest_region((scope, kabupaten, kecamatan, village))
    except EmptyFilter:
        return KimPage(items=[], next_cursor=None)
    flt = KimFilter(region=region, status=status, q=q.strip() if q else None)
    async with pool.acquire() as conn:
        return await queries.directory_page(conn, flt, cursor, limit)


@router.post(
    "/kim",
    status_code=201,
    response_model=KimDetail,
    summary="Form (propose) a KIM for a desa/kelurahan",
)
async def form_kim(
    request: Request,
    body: KimCreate,
    principal: Operator,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """A repeated ``Idempotency-Key`` answers the KIM it formed, as it is now."""
    day = today()
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            kim = await handlers.form_kim(cmd.conn, source, principal, body, day)
        else:
            kim = await handlers.load_kim(cmd.conn, UUID(cmd.existing))
        view = audience(principal, kim)
        if view is None:
            raise NotFound(handlers.KIM_NOT_FOUND)
        return cmd.created(
            kim.id,
            await queries.kim_view(cmd.conn, kim, view, day),
            headers={"Location": f"/kim/{kim.id}", "ETag": etag(kim.version)},
        )


@router.get(
    "/kim/{kim_id:uuid}",
    response_model=KimDetail | KimProfile,
    summary="A KIM's profile (more for its region's staff and its own pengelola)",
)
async def get_kim(kim_id: UUID, pool: Pool, principal: OptionalPrincipal) -> Response:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        kim = await handlers.load_kim(conn, kim_id)
        return await _respond(conn, principal, kim)


@router.patch("/kim/{kim_id:uuid}", response_model=KimDetail, summary="Change a KIM's profile")
async def patch_kim(
    kim_id: UUID,
    body: KimPatch,
    principal: KimEditor,
    expected: IfMatchRequired,
    pool: Pool,
    source: Source,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        kim = await handlers.update_profile(
            conn, source, principal, kim_id, expected, body, today()
        )
        return await _respond(conn, principal, kim)


@router.post(
    "/kim/{kim_id:uuid}/status",
    response_model=KimDetail,
    summary="Move a KIM in its lifecycle (calon → aktif ⇄ tidak_aktif → dibubarkan)",
)
async def change_status(
    kim_id: UUID,
    body: StatusChange,
    principal: Operator,
    expected: IfMatchOptional,
    pool: Pool,
    source: Source,
) -> Response:
    """Staff only. ``If-Match`` is optional here: the transition rules guard the state."""
    async with pool.acquire() as conn, conn.transaction():
        kim = await handlers.change_status(conn, source, principal, kim_id, body, expected, today())
        return await _respond(conn, principal, kim)


@router.get(
    "/kim/{kim_id:uuid}/history",
    response_model=list[StatusEntry],
    summary="Status history: who changed it, when and why",
)
async def status_history(kim_id: UUID, pool: Pool, principal: KimEditor) -> list[StatusEntry]:
    async with pool.acquire() as conn:
        kim = await handlers.load_kim(conn, kim_id)
        ensure_can_edit_kim(principal, str(kim.id), kim.village_code)
        return [history_entry(h) for h in await list_history(conn, kim.id)]


router.include_router(members_router)
router.include_router(rules_router)
