"""HTTP routes: coverage (public) and targets.

Diskominfo's first questions — in which desa/kelurahan is there a KIM, which
kecamatan are still empty, are we on target — are ``GET /coverage/35.02?villages=true``
(or ``/coverage/{kecamatan}``), ``GET /coverage/35.02?empty=true`` and the
``target``/``gap`` of the totals and of each row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from kim_registry.access import Operator
from kim_registry.coverage import handlers, queries
from kim_registry.coverage.schemas import Coverage, Target, TargetCreate, TargetList
from kim_shared.http.command import command
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool

router = APIRouter(tags=["coverage"])

RegionCode = Annotated[
    str,
    Path(
        pattern=r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
        description="A provinsi (35), kabupaten/kota (35.02) or kecamatan (35.02.01) code.",
    ),
]


@router.get("/coverage/{code}", response_model=Coverage)
async def coverage(
    pool: Pool,
    code: RegionCode,
    empty: Annotated[
        bool, Query(description="Only rows without a village with an active KIM.")
    ] = False,
    villages: Annotated[
        bool,
        Query(
            description="One row per desa/kelurahan with its KIM, for a kabupaten/kota "
            "(a kecamatan always has them; not for a provinsi)."
        ),
    ] = False,
) -> Coverage:
    """Public. Per row (kabupaten/kota of a provinsi, kecamatan of a kabupaten, desa/kelurahan
    of a kecamatan): villages, villages with an active KIM, percent, the applicable target and
    the gap; totals for the region itself. Only ``aktif`` KIM count (not ``calon``)."""
    async with pool.acquire() as conn:
        return await queries.coverage(conn, code, only_empty=empty, villages=villages)


@router.post("/targets", status_code=201, response_model=Target)
async def create_target(
    request: Request,
    pool: Pool,
    principal: Operator,
    body: TargetCreate,
    key: IdempotencyKey = None,
) -> Response:
    """Set a coverage target for a region in your scope (Idempotency-Key supported)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.replay is not None:
            return cmd.replay
        row = await handlers.create_target(cmd.conn, principal, body)
        target = Target(**dict(row))
        return cmd.respond(201, target, headers={"Location": f"/targets/{target.id}"})


@router.get("/targets", response_model=TargetList)
async def list_targets(
    pool: Pool,
    region: Annotated[
        str,
        Query(
            pattern=r"^\d{2}(\.\d{2}(\.\d{2})?)?$",
            description="Targets on this region and below, and per-kecamatan targets of the "
            "areas containing it.",
        ),
    ],
) -> TargetList:
    """Public, like the coverage numbers they are measured against."""
    async with pool.acquire() as conn:
        return await queries.targets(conn, region)
