"""Commands on members (pengurus and anggota) of a KIM.

Every command locks the KIM row first, so member changes of one KIM run one at
a time and the checks below (capacity, one holder per officer position, one
current membership per person) cannot race; the partial unique indexes stay as
the last line of defence. Each returns the KIM it locked with the member row,
so the route can shape the answer without reading the KIM again. Events name
members by id, position and login subject only: never NIK, phone or name.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from kim_registry.access import ensure_can_edit_kim
from kim_registry.groups import domain
from kim_registry.groups import member_repository as members
from kim_registry.groups import repository as repo
from kim_registry.groups.handlers import load_kim, stage
from kim_registry.groups.member_repository import MEMBER_COLUMNS, MemberRow
from kim_registry.groups.nik import check_person, normalise_phone
from kim_registry.groups.repository import KimRow
from kim_registry.groups.schemas import MemberCreate, MemberEnd, MemberPatch
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Conflict, NotFound, ensure_version
from kim_shared.events.types.registry import MemberChanged, MemberJoined, MemberLeft
from kim_shared.outbox import EventSource

MEMBER_NOT_FOUND = "The member was not found."


async def _editable_kim(
    conn: Connection, principal: Principal, kim_id: UUID, action: str
) -> KimRow:
    kim = await load_kim(conn, kim_id, lock=True)
    ensure_can_edit_kim(principal, str(kim.id), kim.village_code)
    domain.ensure_not_dissolved(kim.status, action)
    return kim


async def _unique_person(
    conn: Connection, kim_id: UUID, nik: str, other_than: UUID | None = None
) -> None:
    existing = await members.member_with_nik(conn, kim_id, nik, other_than=other_than)
    if existing is not None:
        raise Conflict(
            f"This person (same NIK) is already a current member of the KIM as member "
            f"{existing}; change that membership instead.",
            slug="duplicate-member",
        )


async def _free_position(
    conn: Connection, kim_id: UUID, position: str, other_than: UUID | None = None
) -> None:
    if position == "anggota":
        return
    holder = await members.holder_of(conn, kim_id, position, other_than=other_than)
    if holder is not None:
        raise Conflict(
            f"The position {position} is already held by member {holder}; end that "
            "membership or change its position first (one holder per officer position).",
            slug="position-taken",
        )


async def add_member(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    kim_id: UUID,
    body: MemberCreate,
    today: date,
) -> tuple[KimRow, MemberRow]:
    kim = await _editable_kim(conn, principal, kim_id, "adding members")
    person = check_person(
        body.nik,
        gender=body.gender,
        birth_year=body.birth_year,
        position=body.position,
        today=today,
    )
    term_start = body.term_start or today
    domain.check_term(term_start, body.term_end, body.appointment_sk_date, today)
    values: dict[str, Any] = {
        "full_name": body.full_name,
        "nik": person.nik,
        "phone": normalise_phone(body.phone) if body.phone else None,
        "gender": person.gender,
        "birth_year": person.birth_year,
        "user_subject": body.user_subject,
        "position": body.position,
        "term_start": term_start,
        "term_end": body.term_end,
        "appointment_sk_number": body.appointment_sk_number,
        "appointment_sk_date": body.appointment_sk_date,
    }
    rules = await repo.get_rules(conn, kim.kabupaten_code)
    domain.ensure_room_for_member(rules, await members.count_current(conn, kim.id))
    await _unique_person(conn, kim.id, person.nik)
    await _free_position(conn, kim.id, body.position)
    member = await members.insert_member(conn, uuid.uuid4(), kim.id, values)
    await stage(
        conn,
        source,
        kim,
        MemberJoined(
            kim_id=kim.id,
            member_id=member.id,
            position=member.position,
            user_subject=member.user_subject,
            term_start=member.term_start,
            term_end=member.term_end,
        ),
    )
    return kim, member


async def _current_member(
    conn: Connection, kim: KimRow, member_id: UUID, expected: frozenset[int] | None
) -> MemberRow:
    member = await members.get_member(conn, kim.id, member_id, lock=True)
    if member is None:
        raise NotFound(MEMBER_NOT_FOUND)
    ensure_version(member.version, expected, "member")
    if member.left_on is not None:
        raise Conflict(
            f"This membership already ended on {member.left_on.isoformat()}; add the person "
            "again for a new term.",
            slug="membership-ended",
        )
    return member


async def update_member(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    kim_id: UUID,
    member_id: UUID,
    expected: frozenset[int],
    patch: MemberPatch,
    today: date,
) -> tuple[KimRow, MemberRow]:
    kim = await _editable_kim(conn, principal, kim_id, "changing members")
    member = await _current_member(conn, kim, member_id, expected)
    sent = patch.model_fields_set
    current: dict[str, Any] = {c: getattr(member, c) for c in MEMBER_COLUMNS}
    merged = {**current, **patch.model_dump(include=sent)}
    if sent & {"nik", "gender", "birth_year", "position"}:
        person = check_person(
            merged["nik"],
            gender=patch.gender if "gender" in sent else None,
            birth_year=patch.birth_year if "birth_year" in sent else None,
            position=merged["position"],
            today=today,
        )
        merged.update(nik=person.nik, gender=person.gender, birth_year=person.birth_year)
    if "phone" in sent:
        merged["phone"] = normalise_phone(patch.phone) if patch.phone else None
    domain.check_term(
        merged["term_start"], merged["term_end"], merged["appointment_sk_date"], today
    )
    changes = {c: v for c, v in merged.items() if current[c] != v}
    if not changes:
        return kim, member
    if "nik" in changes:
        await _unique_person(conn, kim.id, merged["nik"], other_than=member.id)
    if "position" in changes:
        await _free_position(conn, kim.id, merged["position"], other_than=member.id)
    updated = await members.update_member(conn, member.id, changes)
    await stage(
        conn,
        source,
        kim,
        MemberChanged(
            kim_id=kim.id,
            member_id=updated.id,
            position=updated.position,
            user_subject=updated.user_subject,
            term_start=updated.term_start,
            term_end=updated.term_end,
            changed_fields=sorted(changes),
        ),
    )
    return kim, updated


async def end_member(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    kim_id: UUID,
    member_id: UUID,
    expected: frozenset[int] | None,
    body: MemberEnd,
    today: date,
) -> tuple[KimRow, MemberRow]:
    """End a membership (the term ended, the person resigned or was removed)."""
    kim = await _editable_kim(conn, principal, kim_id, "ending memberships")
    member = await _current_member(conn, kim, member_id, expected)
    left_on = domain.leaving_day(member.term_start, body.left_on, today)
    ended = await members.end_member(conn, member.id, left_on, body.reason_code, body.reason)
    await stage(
        conn,
        source,
        kim,
        MemberLeft(
            kim_id=kim.id,
            member_id=ended.id,
            position=ended.position,
            user_subject=ended.user_subject,
            left_on=left_on,
            reason_code=ended.left_reason_code,
        ),
    )
    return kim, ended
