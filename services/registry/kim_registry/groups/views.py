"""Who sees what of a KIM, and the response models built for each audience.

* ``staff`` — ``admin_provinsi``/``operator_kabupaten`` whose scope covers the
  KIM: everything, members with full NIK and phone.
* ``pengelola`` — the KIM's own pengelola (``kim_ids`` claim, inside its region): everything,
  members with phone and a masked NIK (``3502********0001``).
* ``public`` — anyone else: the public profile (no SK data, no contact channel,
  members only as officer positions filled and a count; no names).

Staff acting outside their scope get 404 (:func:`audience` returns None): a
staff token acts for its tenant; the public directory is read without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

from kim_registry.access import is_own_pengelola, is_staff, staff_sees
from kim_registry.groups.domain import OFFICER_POSITIONS, Rules
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

Audience = Literal["public", "pengelola", "staff"]


def audience(principal: Principal | None, kim: KimRow) -> Audience | None:
    """The caller's view of ``kim``; None when the KIM must look absent (other tenant)."""
    if principal is None:
        return "public"
    if staff_sees(principal, kim.village_code):
        return "staff"
    if is_own_pengelola(principal, str(kim.id), kim.village_code):
        return "pengelola"
    if is_staff(principal):
        return None
    return "public"


def summary(kim: KimRow) -> KimSummary:
    return KimSummary.model_validate(kim, from_attributes=True)


def _public_fields(kim: KimRow, serving: Serving) -> dict[str, object]:
    return {
        **summary(kim).model_dump(),
        "officer_positions_filled": [p for p in OFFICER_POSITIONS if p in serving.positions],
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
    return StatusEntry.model_validate(h, from_attributes=True)


def member(m: MemberRow, view: Audience) -> MemberView:
    """Only for ``staff`` and ``pengelola``; the public never gets member rows."""
    if view == "public":
        raise ValueError("the public never sees members")
    staff = view == "staff"
    return MemberView.model_validate(
        {
            **asdict(m),
            "nik": m.nik if staff else mask_nik(m.nik),
            "nik_masked": not staff,
            "nik_region_known": nik_region_known(m.nik) if staff else None,
        }
    )


def rules_view(rules: Rules) -> RulesView:
    return RulesView.model_validate(rules, from_attributes=True)
