"""Reads of the proactive rules: a kabupaten's settings, a KIM's invitations and plans."""

from __future__ import annotations

from uuid import UUID

from kim_mentoring import access
from kim_mentoring.proactive import repository as repo
from kim_mentoring.proactive.domain import RuleSettings, skills_with_defaults
from kim_mentoring.proactive.schemas import (
    InvitationView,
    LowestBandRule,
    MentoringPlanView,
    OnboardingRule,
    RejectedArticlesRule,
    SettingsView,
)
from kim_shared import clock
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.projections.kim.lookups import get_kim, membership


def settings_view(s: RuleSettings) -> SettingsView:
    return SettingsView(
        kabupaten_code=s.kabupaten_code,
        onboarding=OnboardingRule(enabled=s.onboarding_enabled, skill=s.onboarding_skill),
        rejected_articles=RejectedArticlesRule.model_validate(
            {
                "enabled": s.rejections_enabled,
                "threshold": s.rejections_threshold,
                "window_days": s.rejections_window_days,
                "skill_by_reason": skills_with_defaults(s.skill_by_reason),
            }
        ),
        lowest_band=LowestBandRule(enabled=s.lowest_band_enabled, skill=s.lowest_band_skill),
        version=s.version,
        is_default=s.version == 0,
        updated_at=s.updated_at,
        updated_by=s.updated_by,
    )


async def _caller_in_kim(
    conn: Connection, principal: Principal, kim_id: UUID, *, officers_only: bool
) -> UUID | None:
    """The caller's member id in the KIM (``None`` for an operator of its kabupaten); 404 for
    anyone else, as for a KIM that does not exist. The KIM's status does not matter: a new
    KIM is ``calon`` while its officers are invited to onboarding."""
    kim = await get_kim(conn, kim_id)
    if kim is None:
        raise NotFound(access.KIM_NOT_FOUND)
    if principal.acts_in(kim.state.kabupaten_code, OPERATOR_KABUPATEN):
        return None
    if principal.acts_in(kim.state.village_code, *access.KIM_ROLES):
        found = await membership(conn, kim_id, principal.subject, on=clock.today())
        if found is not None and (found.officer or not officers_only):
            return found.member_id
    raise NotFound(access.KIM_NOT_FOUND)


async def invitations(conn: Connection, principal: Principal, kim_id: UUID) -> list[InvitationView]:
    """The KIM's invitations: its current officers and operators of its kabupaten."""
    member_id = await _caller_in_kim(conn, principal, kim_id, officers_only=True)
    return [
        InvitationView(
            training_id=i.training_id,
            kim_id=i.kim_id,
            title=i.title,
            skill=i.skill,
            venue=i.venue,
            online_url=i.online_url,
            starts_on=i.starts_on,
            ends_on=i.ends_on,
            invited_at=i.invited_at,
            officers_invited=len(i.member_ids),
            you_were_invited=member_id is not None and member_id in i.member_ids,
        )
        for i in await repo.invitations(conn, kim_id)
    ]


async def plans(conn: Connection, principal: Principal, kim_id: UUID) -> list[MentoringPlanView]:
    """The KIM's mentoring plans: its current members and operators of its kabupaten."""
    await _caller_in_kim(conn, principal, kim_id, officers_only=False)
    return [
        MentoringPlanView(
            id=p.id,
            kim_id=p.kim_id,
            band=p.band,
            period_id=p.period_id,
            made_at=p.fired_at,
            request_id=p.request_id,
            request_status=p.request_status,
            skill=p.skill,
            suggested_training_id=p.training_id,
            suggested_training_title=p.training_title,
            suggested_training_starts_on=p.training_starts_on,
        )
        for p in await repo.plans(conn, kim_id)
    ]
