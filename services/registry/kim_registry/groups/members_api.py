"""HTTP routes for members (pengurus and anggota) of a KIM.

Staff of the KIM's region and the KIM's own pengelola only; NIK and phone are
shown per :mod:`kim_registry.groups.views` (masked NIK for the pengelola).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Request, Response

from kim_registry.access import KimEditor, ensure_can_edit_kim
from kim_registry.groups import member_handlers
from kim_registry.groups import member_repository as members
from kim_registry.groups.handlers import KIM_NOT_FOUND, load_kim
from kim_registry.groups.member_repository import MemberRow
from kim_registry.groups.repository import KimRow
from kim_registry.groups.schemas import (
    MemberCreate,
    MemberEnd,
    MemberList,
    MemberPatch,
    MemberView,
)
from kim_registry.groups.views import audience, member
from kim_shared.auth import Principal
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchOptional, IfMatchRequired, etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["members"])


def _view(principal: Principal, kim: KimRow, row: MemberRow) -> MemberView:
    view = audience(principal, kim)
    if view is None or view == "public":  # ensure_can_edit_kim let a non-editor through
        raise NotFound(KIM_NOT_FOUND)
    return member(row, view)


def _respond(principal: Principal, kim: KimRow, row: MemberRow) -> Response:
    return with_etag(_view(principal, kim, row), row.version)


async def _load(
    conn: Connection, principal: Principal, kim_id: UUID, member_id: UUID
) -> tuple[KimRow, MemberRow]:
    """The KIM and one of its members, for the KIM's editors (404 for anyone else)."""
    kim = await load_kim(conn, kim_id)
    ensure_can_edit_kim(principal, str(kim.id), kim.village_code)
    row = await members.get_member(conn, kim.id, member_id)
    if row is None:
        raise NotFound(member_handlers.MEMBER_NOT_FOUND)
    return kim, row


@router.get("/kim/{kim_id:uuid}/members", response_model=MemberList, summary="Members of a KIM")
async def list_members(
    kim_id: UUID, pool: Pool, principal: KimEditor, former: bool = False
) -> MemberList:
    """Current members, officers first; ``former=true`` adds those whose membership ended."""
    async with pool.acquire() as conn:
        kim = await load_kim(conn, kim_id)
        ensure_can_edit_kim(principal, str(kim.id), kim.village_code)
        rows = await members.list_members(conn, kim.id, former=former)
    return MemberList(items=[_view(principal, kim, r) for r in rows])


@router.post(
    "/kim/{kim_id:uuid}/members",
    status_code=201,
    response_model=MemberView,
    summary="Add a pengurus or anggota",
)
async def add_member(
    request: Request,
    kim_id: UUID,
    body: MemberCreate,
    principal: KimEditor,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """A repeated ``Idempotency-Key`` answers the member it added, as it is now (the NIK
    and phone are never kept with the key)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            kim, row = await member_handlers.add_member(
                cmd.conn, source, principal, kim_id, body, today()
            )
        else:
            kim, row = await _load(cmd.conn, principal, kim_id, UUID(cmd.existing))
        return cmd.created(
            row.id,
            _view(principal, kim, row),
            headers={"Location": f"/kim/{kim_id}/members/{row.id}", "ETag": etag(row.version)},
        )


@router.get(
    "/kim/{kim_id:uuid}/members/{member_id:uuid}", response_model=MemberView, summary="One member"
)
async def get_member(kim_id: UUID, member_id: UUID, pool: Pool, principal: KimEditor) -> Response:
    async with pool.acquire() as conn:
        kim, row = await _load(conn, principal, kim_id, member_id)
    return _respond(principal, kim, row)


@router.patch(
    "/kim/{kim_id:uuid}/members/{member_id:uuid}",
    response_model=MemberView,
    summary="Change a member",
)
async def patch_member(
    kim_id: UUID,
    member_id: UUID,
    body: MemberPatch,
    principal: KimEditor,
    expected: IfMatchRequired,
    pool: Pool,
    source: Source,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        kim, row = await member_handlers.update_member(
            conn, source, principal, kim_id, member_id, expected, body, today()
        )
    return _respond(principal, kim, row)


@router.post(
    "/kim/{kim_id:uuid}/members/{member_id:uuid}/end",
    response_model=MemberView,
    summary="End a membership (term over, resigned or removed)",
)
async def end_member(
    kim_id: UUID,
    member_id: UUID,
    principal: KimEditor,
    expected: IfMatchOptional,
    pool: Pool,
    source: Source,
    body: Annotated[MemberEnd | None, Body()] = None,
) -> Response:
    """``If-Match`` is optional: ending an ended membership is a 409 anyway."""
    async with pool.acquire() as conn, conn.transaction():
        kim, row = await member_handlers.end_member(
            conn, source, principal, kim_id, member_id, expected, body or MemberEnd(), today()
        )
    return _respond(principal, kim, row)
