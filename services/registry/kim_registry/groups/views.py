"""Who sees what of a KIM, and the response models built for each audience.

* ``staff`` — ``admin_provinsi``/``operator_kabupaten`` whose scope covers the
  KIM: everything, members with full NIK and phone.
* ``pengelola`` — the KIM's own pengelola (``kim_ids`` claim): everything,
  members with phone and a masked NIK (``3502********0001``).
* ``public`` — anyone else: the public profile (no SK data, no contact channel,
  members only as officer positions filled and a count; no names).

Staff acting outside their scope get 404 (:func:`audience` returns None): a
staff token acts for its tenant; the public directory is read without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from kim_registry.access import is_own_pengelola, is_staff, staff_sees
from kim_registry.groups.domain import Rules
from kim_registry.groups.member_repository import MemberRow, Serving
from kim_registry.groups.nik import mask_nik, nik_region_known
from kim_registry.groups.repository import HistoryRow, KimRow
from kim_registry.groups.schemas import (
    KimDetail,
    KimProfile,
    KimSummary,
    MemberView,
    RulesView,
    StatusEntry,
)
from kim_shared.auth import Principal
from kim_shared.events.types.registry import Position

Audience = Literal["public", "pengelola", "staff"]
_OFFICER_ORDER: tuple[Position, ...] = ("ketua", "wakil_ketua", "sekretaris", "bendahara")


def audience(principal: Principal | None, kim: KimRow) -> Audience | None:
    """The caller's view of ``kim``; None when the KIM must look absent (other tenant)."""
    if principal is None:
        return "public"
    if staff_sees(principal, kim.village_code):
        return "staff"
    if is_own_pengelola(principal, str(kim.id)):
        return "pengelola"
    if is_staff(principal):
        return None
    return "public"


def summary(kim: KimRow) -> KimSummary:
    return KimSummary(
        id=kim.id,
        name=kim.name,
        status=kim.status,
        village_code=kim.village_code,
        village_name=kim.village_name,
        village_type=kim.village_type,
        kecamatan_code=kim.kecamatan_code,
        kecamatan_name=kim.kecamatan_name,
        kabupaten_code=kim.kabupaten_code,
        founded_on=kim.founded_on,
        legal_basis=kim.legal_basis,
        links=list(kim.links),
        kim_id_number=kim.kim_id_number,
    )


def _public_fields(kim: KimRow, serving: Serving) -> dict[str, object]:
    return {
        **summary(kim).model_dump(),
        "officer_positions_filled": [p for p in _OFFICER_ORDER if p in serving.positions],
        "members_count": serving.count,
    }


def profile(kim: KimRow, serving: Serving) -> KimProfile:
    return KimProfile.model_validate({**_public_fields(kim, serving), "view": "public"})


def detail(
    kim: KimRow,
    serving: Serving,
    history: Sequence[HistoryRow],
    members: Sequence[MemberRow],
    view: Audience,
) -> KimDetail:
    assert view != "public"
    return KimDetail.model_validate(
        {
            **_public_fields(kim, serving),
            "view": view,
            "sk_number": kim.sk_number,
            "sk_date": kim.sk_date,
            "sk_issuer": kim.sk_issuer,
            "contact_channel": kim.contact_channel,
            "version": kim.version,
            "created_at": kim.created_at,
            "created_by": kim.created_by,
            "updated_at": kim.updated_at,
            "status_history": [history_entry(h) for h in history],
            "members": [member(m, view) for m in members],
        }
    )


def history_entry(h: HistoryRow) -> StatusEntry:
    return StatusEntry(
        from_status=h.from_status,
        to_status=h.to_status,
        reason=h.reason,
        changed_by=h.changed_by,
        changed_at=h.changed_at,
    )


def member(m: MemberRow, view: Audience) -> MemberView:
    """Only for ``staff`` and ``pengelola``; the public never gets member rows."""
    if view == "public":
        raise ValueError("the public never sees members")
    staff = view == "staff"
    return MemberView.model_validate(
        {
            "id": m.id,
            "kim_id": m.kim_id,
            "full_name": m.full_name,
            "nik": m.nik if staff else mask_nik(m.nik),
            "nik_masked": not staff,
            "nik_region_known": nik_region_known(m.nik) if staff else None,
            "phone": m.phone,
            "gender": m.gender,
            "birth_year": m.birth_year,
            "user_subject": m.user_subject,
            "position": m.position,
            "term_start": m.term_start,
            "term_end": m.term_end,
            "appointment_sk_number": m.appointment_sk_number,
            "appointment_sk_date": m.appointment_sk_date,
            "left_on": m.left_on,
            "left_reason": m.left_reason,
            "version": m.version,
        }
    )


def rules_view(rules: Rules) -> RulesView:
    return RulesView(
        kabupaten_code=rules.kabupaten_code,
        max_kim_per_village=rules.max_kim_per_village,
        required_positions=list(rules.required_positions),
        min_members=rules.min_members,
        max_members=rules.max_members,
        dormant_after_days=rules.dormant_after_days,
        version=rules.version,
        is_default=rules.is_default,
        updated_at=rules.updated_at,
        updated_by=rules.updated_by,
    )
