"""HTTP routes for a kabupaten's KIM rules (staff of that kabupaten or its province)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from kim_registry.access import Operator
from kim_registry.groups import handlers
from kim_registry.groups import repository as repo
from kim_registry.groups.domain import Rules
from kim_registry.groups.schemas import RulesPut, RulesView
from kim_registry.groups.views import rules_view
from kim_shared.http.concurrency import IfMatchRequired, with_etag
from kim_shared.service import Pool

router = APIRouter(tags=["rules"])

KabupatenCode = Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["35.02"])]


def _respond(rules: Rules) -> Response:
    return with_etag(rules_view(rules), rules.version)


@router.get(
    "/kabupaten/{code}/rules",
    response_model=RulesView,
    summary="KIM rules of a kabupaten/kota (the defaults until saved)",
)
async def get_rules(code: KabupatenCode, principal: Operator, pool: Pool) -> Response:
    async with pool.acquire() as conn:
        await handlers.ensure_kabupaten(conn, principal, code)
        return _respond(await repo.get_rules(conn, code))


@router.put(
    "/kabupaten/{code}/rules",
    response_model=RulesView,
    summary='Replace the KIM rules (If-Match: "0" while the defaults apply)',
)
async def put_rules(
    code: KabupatenCode,
    body: RulesPut,
    principal: Operator,
    expected: IfMatchRequired,
    pool: Pool,
) -> Response:
    """Rules apply to later formations, activations and member additions, not retroactively."""
    async with pool.acquire() as conn, conn.transaction():
        saved = await handlers.put_rules(conn, principal, code, expected, body)
    return _respond(saved)
