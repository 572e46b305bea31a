"""HTTP routes for regions: public reads, and the import for Diskominfo staff.

Reads need no token (regions are public data). Codes are Kemendagri codes:
``35``, ``35.02``, ``35.02.01``, ``35.02.01.2001``; a malformed code is a 422,
an unknown one a 404 (problem+json).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from kim_registry.access import Operator
from kim_registry.regions import handlers
from kim_registry.regions.schemas import (
    Children,
    ImportRequest,
    ImportSummary,
    Region,
    RegionSummary,
    SearchResults,
)
from kim_shared.http.command import command
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.service import Pool, Source

router = APIRouter(tags=["regions"])

REGION_CODE = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
r"""A Kemendagri code of any level (ASCII digits: ``\d`` would take other scripts' digits)."""

# The patterns are documented, not enforced by FastAPI: the handlers answer a malformed code
# with a 422 that says what a Kemendagri code looks like.
Code = Annotated[
    str,
    Path(
        description="Kemendagri code: 35, 35.02, 35.02.01 or 35.02.01.2001.",
        examples=["35.02"],
        json_schema_extra={"pattern": REGION_CODE},
    ),
]


@router.get("/regions", response_model=SearchResults)
async def search_regions(
    pool: Pool,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Name or part of it; case-, accent- and punctuation-insensitive.",
        ),
    ] = None,
    level: Annotated[
        int | None,
        Query(ge=1, le=4, description="1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kel."),
    ] = None,
    within: Annotated[
        str | None,
        Query(
            description="Only regions inside this region code.",
            json_schema_extra={"pattern": REGION_CODE},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    """Search active regions by name, best match first: exact, then prefix, then a word
    starting with ``q``, then anywhere in the name; larger regions first on ties.
    "ponorogo" finds Kabupaten Ponorogo first. Every hit carries its ``path``, since many
    villages share a name. Without ``q``, lists the regions matching the other filters by
    level and name (``?level=1&limit=100``: the provinces)."""
    async with pool.acquire() as conn:
        return await handlers.search_regions(conn, q, level=level, within=within, limit=limit)


# Before /regions/{code}, as OpenAPI matches a concrete path before a templated one: any
# other method on /regions/imports is a 405 naming POST, never a lookup of region "imports".
@router.api_route(
    "/regions/imports",
    methods=["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def imports_other_methods() -> None:
    raise HTTPException(405)


@router.post(
    "/regions/imports",
    response_model=ImportSummary,
    responses={
        403: {
            "description": "The token holds no staff role (admin_provinsi, "
            "operator_kabupaten), or the scope is 'all' (CLI only)."
        },
        422: {"description": "Malformed or unknown scope, or one outside the caller's region."},
    },
)
async def import_regions(
    body: ImportRequest,
    principal: Operator,
    request: Request,
    pool: Pool,
    source: Source,
    key: IdempotencyKey = None,
) -> Response:
    """Import a provinsi, kabupaten/kota or kecamatan from the official Kemendagri data
    (``admin_provinsi``: inside its province; ``operator_kabupaten``: inside its
    kabupaten). New and changed regions, and regions of the scope no longer in the data
    (marked inactive), are published as ``RegionChanged`` snapshots through the outbox,
    in the same transaction.

    An import is naturally idempotent: repeating it changes and publishes nothing and
    answers ``unchanged = total``. ``Idempotency-Key`` is still accepted, as on every
    POST: a retry with the same key gets the first answer again (``Idempotent-Replayed``).
    All of Indonesia (``all``) is imported with the CLI: ``kim regions import --scope all``.
    """
    scope = handlers.authorize_import(principal, body.scope)
    rows = await handlers.load_source(scope)
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.replay is not None:
            return cmd.replay
        summary = await handlers.import_scope(cmd.conn, scope, rows, source)
        return cmd.respond(200, summary)


@router.get("/regions/{code}", response_model=Region)
async def get_region(code: Code, pool: Pool) -> Region:
    """One region (also a retired one: ``active`` false) with its ancestors and path."""
    async with pool.acquire() as conn:
        return await handlers.get_region(conn, code)


@router.get("/regions/{code}/children", response_model=Children)
async def list_children(code: Code, pool: Pool) -> Children:
    """The active direct children of a region, ordered by code."""
    async with pool.acquire() as conn:
        return await handlers.list_children(conn, code)


@router.get("/regions/{code}/summary", response_model=RegionSummary)
async def summarize_region(code: Code, pool: Pool) -> RegionSummary:
    """How many kabupaten/kota, kecamatan, desa and kelurahan are inside a region, in total
    and per direct child (for a province: per kabupaten/kota; for a kabupaten: per
    kecamatan). Only active regions count."""
    async with pool.acquire() as conn:
        return await handlers.summarize(conn, code)
