"""Commands on KIM groups and kabupaten rules.

Each handler runs inside the transaction its route opened (``conn``), locks
what it changes, checks access, then the version, then the rules, writes, and
stages its events in the outbox on the same connection. Member commands are in
:mod:`kim_registry.groups.member_handlers`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from kim_registry.access import ensure_can_edit_kim, ensure_staff_sees, kabupaten_of, staff_sees
from kim_registry.groups import domain
from kim_registry.groups import member_repository as members
from kim_registry.groups import repository as repo
from kim_registry.groups.repository import KimRow
from kim_registry.groups.schemas import KimCreate, KimPatch, RulesPut, StatusChange
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound, StaleVersion, ensure_version
from kim_shared.events.base import Event
from kim_shared.events.types.registry import (
    KimFormed,
    KimProfileUpdated,
    KimStateChanged,
    KimStatusChanged,
    MemberLeft,
)
from kim_shared.outbox import EventSource, add

KIM_NOT_FOUND = "The KIM was not found."


async def load_kim(conn: Connection, kim_id: UUID, *, lock: bool = False) -> KimRow:
    kim = await repo.get_kim(conn, kim_id, lock=lock)
    if kim is None:
        raise NotFound(KIM_NOT_FOUND)
    return kim


async def state_of(conn: Connection, kim_id: UUID) -> KimStateChanged:
    """The KIM's whole current state, as published on the state topic (next revision)."""
    kim = await load_kim(conn, kim_id)
    revision, changed_at = await repo.next_state_revision(conn, kim.id)
    return KimStateChanged(
        kim_id=kim.id,
        revision=revision,
        name=kim.name,
        status=kim.status,
        village_code=kim.village_code,
        kecamatan_code=kim.kecamatan_code,
        kabupaten_code=kim.kabupaten_code,
        founded_on=kim.founded_on,
        roster=await members.roster(conn, kim.id),
        changed_at=changed_at,
    )


async def stage(conn: Connection, source: EventSource, kim: KimRow, *events: Event) -> None:
    """Stage a change's facts and then the KIM's new state snapshot, in the caller's
    transaction: call it last, after every write of the command."""
    for event in (*events, await state_of(conn, kim.id)):
        await add(conn, event, source, kabupaten=kim.kabupaten_code)


async def form_kim(
    conn: Connection, source: EventSource, principal: Principal, body: KimCreate, today: date
) -> KimRow:
    """Propose a KIM (status ``calon``) for a desa/kelurahan of the caller's region.

    A village of another tenant is answered exactly like an unknown one (422).
    """
    village = None
    if staff_sees(principal, body.village_code):
        village = await repo.lock_village(conn, body.village_code)
    if village is None or village.level != 4 or not village.active:
        raise Invalid(
            f"Village code {body.village_code} is not an active desa or kelurahan of the "
            f"Kemendagri regions inside your region ({principal.region_scope}).",
            slug="unknown-village",
            field="body.village_code",
        )
    domain.check_profile(
        founded_on=body.founded_on,
        sk_number=body.sk_number,
        sk_date=body.sk_date,
        sk_issuer=body.sk_issuer,
        today=today,
    )
    kabupaten = kabupaten_of(village.code)
    rules = await repo.get_rules(conn, kabupaten)
    domain.ensure_village_capacity(
        village.label, await repo.count_occupying(conn, village.code), rules
    )
    kim_id = uuid.uuid4()
    profile = body.model_dump(include=set(repo.PROFILE_COLUMNS))
    await repo.insert_kim(
        conn,
        kim_id=kim_id,
        village_code=village.code,
        kabupaten_code=kabupaten,
        profile=profile,
        created_by=principal.subject,
    )
    await repo.add_history(conn, kim_id, None, "calon", principal.subject)
    kim = await load_kim(conn, kim_id)
    await stage(
        conn,
        source,
        kim,
        KimFormed(
            kim_id=kim.id,
            name=kim.name,
            village_code=kim.village_code,
            kabupaten_code=kim.kabupaten_code,
            founded_on=kim.founded_on,
            status=kim.status,
            formed_by=principal.subject,
        ),
    )
    return kim


async def update_profile(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    kim_id: UUID,
    expected: frozenset[int],
    patch: KimPatch,
    today: date,
) -> KimRow:
    """Change profile fields (staff of the region or the KIM's own pengelola)."""
    kim = await load_kim(conn, kim_id, lock=True)
    ensure_can_edit_kim(principal, str(kim.id), kim.village_code)
    ensure_version(kim.version, expected, "KIM")
    domain.ensure_not_dissolved(kim.status, "changing its profile")
    current: dict[str, Any] = {c: getattr(kim, c) for c in repo.PROFILE_COLUMNS}
    sent = patch.model_dump(include=patch.model_fields_set)
    changes = {c: v for c, v in sent.items() if current[c] != v}
    if not changes:
        return kim
    merged = {**current, **changes}
    domain.check_profile(
        founded_on=merged["founded_on"],
        sk_number=merged["sk_number"],
        sk_date=merged["sk_date"],
        sk_issuer=merged["sk_issuer"],
        today=today,
    )
    version = await repo.update_profile(conn, kim.id, changes)
    await stage(
        conn,
        source,
        kim,
        KimProfileUpdated(
            kim_id=kim.id,
            name=merged["name"],
            village_code=kim.village_code,
            kabupaten_code=kim.kabupaten_code,
            changed_fields=sorted(changes),
            version=version,
        ),
    )
    return await load_kim(conn, kim.id)


async def change_status(
    conn: Connection,
    source: EventSource,
    principal: Principal,
    kim_id: UUID,
    change: StatusChange,
    expected: frozenset[int] | None,
    today: date,
) -> KimRow:
    """Move the KIM in its lifecycle (staff of its region only).

    Events carry the reason code; the note staff typed stays in the history.
    Dissolving ends every current membership (one ``MemberLeft`` each, reason
    ``kim_dibubarkan``), so that consumers of the membership stream need not know
    the lifecycle rules.
    """
    kim = await load_kim(conn, kim_id, lock=True)
    ensure_staff_sees(principal, kim.village_code, "KIM")
    ensure_version(kim.version, expected, "KIM")
    target = change.to
    domain.check_transition(kim.status, target, change.reason_code)
    if target == "aktif":
        rules = await repo.get_rules(conn, kim.kabupaten_code)
        serving = await members.serving(conn, kim.id, today)
        domain.ensure_can_activate(rules, serving.positions, serving.count)
    ended = []
    if target == "dibubarkan":
        ended = await members.end_all_current(conn, kim.id, today, change.reason)
    await repo.set_status(conn, kim.id, target)
    changed_at = await repo.add_history(
        conn,
        kim.id,
        kim.status,
        target,
        principal.subject,
        reason_code=change.reason_code,
        reason=change.reason,
    )
    events: list[Event] = [
        KimStatusChanged(
            kim_id=kim.id,
            village_code=kim.village_code,
            kabupaten_code=kim.kabupaten_code,
            from_status=kim.status,
            to_status=target,
            reason_code=change.reason_code,
            changed_by=principal.subject,
            changed_at=changed_at,
        )
    ]
    events += [
        MemberLeft(
            kim_id=kim.id,
            member_id=m.id,
            position=m.position,
            user_subject=m.user_subject,
            left_on=m.left_on or today,
            reason_code=m.left_reason_code,
        )
        for m in ended
    ]
    await stage(conn, source, kim, *events)
    return await load_kim(conn, kim.id)


# --- rules -----------------------------------------------------------------------------------


async def ensure_kabupaten(conn: Connection, principal: Principal, code: str) -> None:
    """404 for an unknown kabupaten/kota or one outside the caller's scope."""
    ensure_staff_sees(principal, code, "kabupaten")
    if not await repo.region_exists(conn, code, 2):
        raise NotFound("The kabupaten was not found.")


async def put_rules(
    conn: Connection,
    principal: Principal,
    code: str,
    expected: frozenset[int],
    body: RulesPut,
) -> domain.Rules:
    """Replace a kabupaten's rules; ``If-Match: "0"`` while the defaults apply."""
    await ensure_kabupaten(conn, principal, code)
    current = await repo.get_rules(conn, code, lock=True)
    ensure_version(current.version, expected, "rules")
    positions = domain.validate_rules(
        max_kim_per_village=body.max_kim_per_village,
        required_positions=body.required_positions,
        min_members=body.min_members,
        max_members=body.max_members,
        dormant_after_days=body.dormant_after_days,
    )
    wanted = domain.Rules(
        kabupaten_code=code,
        max_kim_per_village=body.max_kim_per_village,
        required_positions=positions,
        min_members=body.min_members,
        max_members=body.max_members,
        dormant_after_days=body.dormant_after_days,
        version=current.version,
    )
    saved = await repo.save_rules(conn, wanted, principal.subject)
    if saved is None:  # another request created the rules meanwhile
        raise StaleVersion((await repo.get_rules(conn, code)).version, "rules")
    return saved
