"""Reads of help requests: the page of requests a caller may list, a page at a time.

Who sees which requests is the rule of :func:`kim_mentoring.requests.handlers.ensure_reads`,
applied as a set: the requests of the aktif KIM the caller serves today (officers and
members), those assigned to the caller (experts) and those of the caller's kabupaten
(operators). A token with several of these roles sees the union. Filters only narrow that
set: a filter outside it (another kabupaten, another KIM) selects nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Final, Literal
from uuid import UUID

from pydantic import BaseModel

from kim_mentoring import access
from kim_mentoring.requests.domain import Status
from kim_mentoring.requests.repository import HelpRequestRow
from kim_mentoring.requests.schemas import HelpRequestView
from kim_mentoring.requests.views import request_view
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN, PENDAMPING
from kim_shared.db import Connection, from_record
from kim_shared.events.types.mentoring import Skill, Urgency
from kim_shared.pagination import decode, encode, moment
from kim_shared.projections.kim.lookups import get_kim, memberships_of

Order = Literal["sla", "opened"]
"""``sla``: the soonest SLA deadline first (the work queue); ``opened``: newest first."""


class HelpRequestPage(BaseModel):
    items: list[HelpRequestView]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may list: requests of these KIM, assigned to this expert, or of this
    region (an operator's scope; it reaches a kabupaten's requests only when it covers it)."""

    kim_ids: tuple[UUID, ...]
    expert: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class RequestFilter:
    status: Status | None = None
    skill: Skill | None = None
    kim_id: UUID | None = None
    expert: str | None = None
    kabupaten: str | None = None
    urgency: Urgency | None = None


async def scope_of(conn: Connection, principal: Principal, on: date) -> Scope:
    kim_ids: list[UUID] = []
    if principal.has_any_role(*access.KIM_ROLES):
        for m in await memberships_of(conn, principal.subject, on=on):
            if m.kim_status != "aktif":
                continue
            kim = await get_kim(conn, m.kim_id)
            if kim is not None and principal.acts_in(kim.state.village_code, *access.KIM_ROLES):
                kim_ids.append(m.kim_id)
    expert = principal.subject if PENDAMPING in principal.roles else None
    region = principal.region_scope if OPERATOR_KABUPATEN in principal.roles else None
    return Scope(tuple(kim_ids), expert, region)


# The row type's fields are the columns, so a column added to the row is listed too.
_COLUMNS: Final = ", ".join(f.name for f in fields(HelpRequestRow))
_VISIBLE_AND_FILTERED: Final = """
WHERE (kim_id = ANY($1::uuid[])
       OR expert_subject = $2
       OR kabupaten_code = $3 OR kabupaten_code LIKE $3 || '.%')
  AND ($4::text IS NULL OR status = $4)
  AND ($5::text IS NULL OR skill = $5)
  AND ($6::uuid IS NULL OR kim_id = $6)
  AND ($7::text IS NULL OR expert_subject = $7)
  AND ($8::text IS NULL OR kabupaten_code = $8)
  AND ($9::text IS NULL OR urgency = $9)
"""
_BY_SLA: Final = (
    f"SELECT {_COLUMNS} FROM help_requests {_VISIBLE_AND_FILTERED}"
    "  AND ($10::timestamptz IS NULL OR (sla_due_at, id) > ($10, $11::uuid))"
    " ORDER BY sla_due_at, id LIMIT $12"
)
_BY_OPENED: Final = (
    f"SELECT {_COLUMNS} FROM help_requests {_VISIBLE_AND_FILTERED}"
    "  AND ($10::timestamptz IS NULL OR (opened_at, id) < ($10, $11::uuid))"
    " ORDER BY opened_at DESC, id DESC LIMIT $12"
)
_PAGE: Final[dict[Order, str]] = {"sla": _BY_SLA, "opened": _BY_OPENED}


def _sort_key(order: Order, row: HelpRequestRow) -> datetime:
    return row.sla_due_at if order == "sla" else row.opened_at


def _same_order(order: Order) -> Callable[[object], Order]:
    """The cursor part naming its order: a cursor of the other order is not valid here."""

    def check(value: object) -> Order:
        if value != order:
            raise ValueError("the cursor belongs to another order")
        return order

    return check


async def page(
    conn: Connection,
    scope: Scope,
    flt: RequestFilter,
    *,
    order: Order,
    cursor: str | None,
    limit: int,
) -> HelpRequestPage:
    after: datetime | None = None
    after_id: UUID | None = None
    if cursor:
        _, after, after_id = decode(cursor, _same_order(order), moment, UUID)
    rows = await conn.fetch(
        _PAGE[order],
        list(scope.kim_ids),
        scope.expert,
        scope.region,
        flt.status,
        flt.skill,
        flt.kim_id,
        flt.expert,
        flt.kabupaten,
        flt.urgency,
        after,
        after_id,
        limit + 1,
    )
    found = [from_record(HelpRequestRow, r) for r in rows]
    shown = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = shown[-1]
        next_cursor = encode(order, _sort_key(order, last), last.id)
    return HelpRequestPage(items=[request_view(r) for r in shown], next_cursor=next_cursor)
