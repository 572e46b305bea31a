"""SQL of the proactive rules: settings, the firing ledger, counted rejections, invitations
and mentoring plans. Functions take the caller's connection and never open transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, cast
from uuid import UUID

import asyncpg

from kim_mentoring.proactive.domain import Rejection, RuleSettings
from kim_shared.db import Connection, from_record
from kim_shared.events.types.mentoring import ProactiveRule, Skill

# --- settings --------------------------------------------------------------------------------

_SETTINGS_COLUMNS: Final = (
    "kabupaten_code, onboarding_enabled, onboarding_skill, rejections_enabled,"
    " rejections_threshold, rejections_window_days, skill_by_reason, lowest_band_enabled,"
    " lowest_band_skill, version, updated_by, updated_at"
)
_GET_SETTINGS: Final = (
    f"SELECT {_SETTINGS_COLUMNS} FROM proactive_settings WHERE kabupaten_code = $1"
)
_LOCK_SETTINGS: Final = _GET_SETTINGS + " FOR UPDATE"
# Insert (version 1) or update the version the caller read; no row: a concurrent save won.
_SAVE_SETTINGS: Final = f"""
INSERT INTO proactive_settings (kabupaten_code, onboarding_enabled, onboarding_skill,
    rejections_enabled, rejections_threshold, rejections_window_days, skill_by_reason,
    lowest_band_enabled, lowest_band_skill, updated_by, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (kabupaten_code) DO UPDATE SET
    onboarding_enabled = EXCLUDED.onboarding_enabled,
    onboarding_skill = EXCLUDED.onboarding_skill,
    rejections_enabled = EXCLUDED.rejections_enabled,
    rejections_threshold = EXCLUDED.rejections_threshold,
    rejections_window_days = EXCLUDED.rejections_window_days,
    skill_by_reason = EXCLUDED.skill_by_reason,
    lowest_band_enabled = EXCLUDED.lowest_band_enabled,
    lowest_band_skill = EXCLUDED.lowest_band_skill,
    updated_by = EXCLUDED.updated_by,
    updated_at = EXCLUDED.updated_at,
    version = proactive_settings.version + 1
WHERE proactive_settings.version = $12
RETURNING {_SETTINGS_COLUMNS}
"""


def _settings(r: asyncpg.Record) -> RuleSettings:
    return RuleSettings(
        kabupaten_code=r["kabupaten_code"],
        onboarding_enabled=r["onboarding_enabled"],
        onboarding_skill=r["onboarding_skill"],
        rejections_enabled=r["rejections_enabled"],
        rejections_threshold=r["rejections_threshold"],
        rejections_window_days=r["rejections_window_days"],
        skill_by_reason=cast(dict[str, Any], r["skill_by_reason"]),
        lowest_band_enabled=r["lowest_band_enabled"],
        lowest_band_skill=r["lowest_band_skill"],
        version=r["version"],
        updated_by=r["updated_by"],
        updated_at=r["updated_at"],
    )


async def get_settings(
    conn: Connection, kabupaten_code: str, *, lock: bool = False
) -> RuleSettings:
    """The kabupaten's saved settings, or the defaults (``version`` 0)."""
    r = await conn.fetchrow(_LOCK_SETTINGS if lock else _GET_SETTINGS, kabupaten_code)
    return RuleSettings(kabupaten_code=kabupaten_code) if r is None else _settings(r)


async def save_settings(
    conn: Connection, s: RuleSettings, *, by: str, now: datetime
) -> RuleSettings | None:
    """Save ``s`` over version ``s.version``; ``None`` when a concurrent save won."""
    r = await conn.fetchrow(
        _SAVE_SETTINGS,
        s.kabupaten_code,
        s.onboarding_enabled,
        s.onboarding_skill,
        s.rejections_enabled,
        s.rejections_threshold,
        s.rejections_window_days,
        dict(s.skill_by_reason),
        s.lowest_band_enabled,
        s.lowest_band_skill,
        by,
        now,
        s.version,
    )
    return None if r is None else _settings(r)


# --- firings ---------------------------------------------------------------------------------

_CLAIM: Final = (
    "INSERT INTO proactive_firings (id, rule, cause_key, kim_id, kabupaten_code, band,"
    " period_id, fired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (rule, cause_key) DO NOTHING RETURNING id"
)
_RECORD_EFFECT: Final = (
    "UPDATE proactive_firings SET request_id = $2, training_id = $3 WHERE id = $1"
)


async def claim(
    conn: Connection,
    firing_id: UUID,
    *,
    rule: ProactiveRule,
    cause_key: str,
    kim_id: UUID,
    kabupaten_code: str,
    now: datetime,
    band: str | None = None,
    period_id: UUID | None = None,
) -> bool:
    """Record that ``rule`` fires for ``cause_key``; ``False`` if it fired for it before (a
    concurrent claim waits for the first to commit, then finds it)."""
    found = await conn.fetchval(
        _CLAIM, firing_id, rule, cause_key, kim_id, kabupaten_code, band, period_id, now
    )
    return found is not None


async def record_effect(
    conn: Connection, firing_id: UUID, *, request_id: UUID | None, training_id: UUID | None
) -> None:
    await conn.execute(_RECORD_EFFECT, firing_id, request_id, training_id)


# --- rejections ------------------------------------------------------------------------------

# The rule counts one KIM's rejections one event at a time: rejections of different articles
# arrive on different partitions and may be handled concurrently.
_LOCK_KIM: Final = (
    "SELECT pg_advisory_xact_lock(hashtextextended('proactive.rejections:' || $1::text, 0))"
)
_ADD_REJECTION: Final = (
    "INSERT INTO proactive_rejections (rejection_key, kim_id, article_id, reason_code,"
    " rejected_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING rejection_key"
)
_PENDING: Final = (
    "SELECT rejection_key, reason_code, rejected_at FROM proactive_rejections"
    " WHERE kim_id = $1 AND firing_id IS NULL AND rejected_at BETWEEN $2 AND $3"
    " ORDER BY rejected_at, rejection_key"
)
_CONSUME: Final = (
    "UPDATE proactive_rejections SET firing_id = $1"
    " WHERE rejection_key = ANY($2::text[]) AND firing_id IS NULL"
)


async def lock_kim_rejections(conn: Connection, kim_id: UUID) -> None:
    await conn.execute(_LOCK_KIM, str(kim_id))


async def add_rejection(
    conn: Connection,
    *,
    rejection_key: str,
    kim_id: UUID,
    article_id: UUID,
    reason_code: str,
    rejected_at: datetime,
) -> bool:
    """Record a rejection; ``False`` when it was recorded before (a replay)."""
    found = await conn.fetchval(
        _ADD_REJECTION, rejection_key, kim_id, article_id, reason_code, rejected_at
    )
    return found is not None


async def pending_rejections(
    conn: Connection, kim_id: UUID, since: datetime, until: datetime
) -> list[Rejection]:
    """The KIM's rejections between the two times that no firing has used yet."""
    return [from_record(Rejection, r) for r in await conn.fetch(_PENDING, kim_id, since, until)]


async def consume(conn: Connection, firing_id: UUID, keys: list[str]) -> None:
    await conn.execute(_CONSUME, firing_id, keys)


# --- invitations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvitationRow:
    training_id: UUID
    kim_id: UUID
    member_ids: list[UUID]
    invited_at: datetime
    title: str
    skill: Skill
    venue: str | None
    online_url: str | None
    starts_on: date
    ends_on: date


_INVITE: Final = (
    "INSERT INTO training_invitations (training_id, kim_id, member_ids, firing_id, invited_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING training_id"
)
_INVITATIONS: Final = """
SELECT i.training_id, i.kim_id, i.member_ids, i.invited_at, t.title, t.skill, t.venue,
       t.online_url, t.starts_on, t.ends_on
FROM training_invitations i JOIN trainings t ON t.id = i.training_id
WHERE i.kim_id = $1
ORDER BY i.invited_at DESC, i.training_id
"""


async def invite(
    conn: Connection,
    *,
    training_id: UUID,
    kim_id: UUID,
    member_ids: list[UUID],
    firing_id: UUID,
    now: datetime,
) -> bool:
    """Invite the KIM's officers to the training; ``False`` if the KIM was invited before."""
    found = await conn.fetchval(_INVITE, training_id, kim_id, member_ids, firing_id, now)
    return found is not None


# Invitations to trainings that have not started, locked: officers who join later are added.
_UPCOMING: Final = """
SELECT i.training_id, i.member_ids
FROM training_invitations i JOIN trainings t ON t.id = i.training_id
WHERE i.kim_id = $1 AND t.status = 'scheduled' AND t.starts_on > $2
ORDER BY i.training_id
FOR UPDATE OF i
"""
_SET_INVITEES: Final = (
    "UPDATE training_invitations SET member_ids = $3 WHERE training_id = $1 AND kim_id = $2"
)


async def upcoming_invitations(
    conn: Connection, kim_id: UUID, today: date
) -> list[tuple[UUID, list[UUID]]]:
    """The KIM's invitations to trainings starting after ``today``: training and invitees."""
    rows = await conn.fetch(_UPCOMING, kim_id, today)
    return [(r["training_id"], list(r["member_ids"])) for r in rows]


async def set_invitees(
    conn: Connection, training_id: UUID, kim_id: UUID, member_ids: list[UUID]
) -> None:
    await conn.execute(_SET_INVITEES, training_id, kim_id, member_ids)


async def invitations(conn: Connection, kim_id: UUID) -> list[InvitationRow]:
    return [from_record(InvitationRow, r) for r in await conn.fetch(_INVITATIONS, kim_id)]


# --- mentoring plans -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A lowest-band firing: its help request and the training suggested, if any."""

    id: UUID
    kim_id: UUID
    band: str | None
    period_id: UUID | None
    fired_at: datetime
    request_id: UUID | None
    request_status: str | None
    skill: Skill | None
    training_id: UUID | None
    training_title: str | None
    training_starts_on: date | None


_PLANS: Final = """
SELECT f.id, f.kim_id, f.band, f.period_id, f.fired_at, f.request_id,
       r.status AS request_status, r.skill, f.training_id, t.title AS training_title,
       t.starts_on AS training_starts_on
FROM proactive_firings f
LEFT JOIN help_requests r ON r.id = f.request_id
LEFT JOIN trainings t ON t.id = f.training_id
WHERE f.kim_id = $1 AND f.rule = 'lowest_band'
ORDER BY f.fired_at DESC, f.id
"""


async def plans(conn: Connection, kim_id: UUID) -> list[PlanRow]:
    return [from_record(PlanRow, r) for r in await conn.fetch(_PLANS, kim_id)]
