"""The proactive rules, run from events, and the commands on their settings.

Each rule first claims its cause in ``proactive_firings`` (unique per rule and cause), in the
transaction of the inbox row: the inbox skips a redelivered event id, the claim skips the same
cause under a new event id (a replayed topic, a re-published event). The causes:

- onboarding: the KIM (a KIM is formed once);
- rejected articles: the set of rejections that filled the window; each rejection (article
  and revision) is recorded once and counts towards one firing at most;
- lowest band: the KIM and the evaluation period.

Officers who join an invited KIM before the training starts are invited too (from the KIM's
state topic), each once.

System help requests go through :func:`kim_mentoring.requests.handlers.submit`, the path of
member requests (automatic assignment included).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from kim_mentoring.proactive import domain
from kim_mentoring.proactive import repository as repo
from kim_mentoring.proactive.domain import RuleSettings
from kim_mentoring.proactive.schemas import SettingsPut
from kim_mentoring.requests.handlers import Submission, submit
from kim_mentoring.trainings import repository as trainings
from kim_shared import clock, outbox
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN
from kim_shared.db import Connection
from kim_shared.errors import NotFound, StaleVersion, ensure_version
from kim_shared.events.types.activity import ArticleRejected
from kim_shared.events.types.mentoring_trainings import TrainingInvited
from kim_shared.events.types.registry import KimEvaluated, KimFormed, KimStateChanged
from kim_shared.outbox import EventSource
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.projections.kim.rows import Member
from kim_shared.projections.regions.lookups import region

SYSTEM: str = "sistem:aturan-proaktif"
"""``opened_by`` of the help requests the rules open."""


class KimNotProjectedYet(Exception):
    """A rejection of a KIM this service has not projected yet: retried (the KIM projection
    catches up), dead-lettered after the bounded attempts."""


# --- onboarding ------------------------------------------------------------------------------


async def on_kim_formed(
    conn: Connection, source: EventSource, event: KimFormed, now: datetime
) -> None:
    """Invite the new KIM's officers to the kabupaten's next onboarding training, or, when
    none is scheduled, open a help request for one."""
    settings = await repo.get_settings(conn, event.kabupaten_code)
    if not settings.onboarding_enabled:
        return
    firing_id = uuid.uuid4()
    if not await repo.claim(
        conn,
        firing_id,
        rule="onboarding",
        cause_key=f"kim:{event.kim_id}",
        kim_id=event.kim_id,
        kabupaten_code=event.kabupaten_code,
        now=now,
    ):
        return
    today = clock.today(now)
    training = await trainings.next_onboarding(conn, event.kabupaten_code, today)
    if training is None:
        request = await submit(
            conn,
            source,
            Submission(
                kim_id=event.kim_id,
                kabupaten_code=event.kabupaten_code,
                skill=settings.onboarding_skill,
                description=domain.onboarding_description(event.name),
                mode="kantor",
                urgency="rendah",
                opened_by=SYSTEM,
                rule="onboarding",
            ),
            now,
        )
        await repo.record_effect(conn, firing_id, request_id=request.id, training_id=None)
        return
    # Officers known now; those the registry publishes later are added by on_kim_state.
    kim = await get_kim(conn, event.kim_id)
    roster = kim.roster if kim is not None else ()
    officers = [m.member_id for m in roster if m.officer and m.serves_on(today)]
    if await repo.invite(
        conn,
        training_id=training.id,
        kim_id=event.kim_id,
        member_ids=officers,
        firing_id=firing_id,
        now=now,
    ):
        await outbox.add(
            conn,
            TrainingInvited(
                training_id=training.id,
                kim_id=event.kim_id,
                officers=len(officers),
                invited_at=now,
            ),
            source,
            kabupaten=event.kabupaten_code,
        )
    await repo.record_effect(conn, firing_id, request_id=None, training_id=training.id)


async def on_kim_state(
    conn: Connection, source: EventSource, event: KimStateChanged, now: datetime
) -> None:
    """Officers who joined a KIM after its invitation (the registry publishes the roster after
    the formation) are invited too, while the training has not started; each once."""
    if event.status == "dibubarkan":
        return
    today = clock.today(now)
    officers = [
        m.member_id for m in map(Member.of, event.roster) if m.officer and m.serves_on(today)
    ]
    for training_id, invited in await repo.upcoming_invitations(conn, event.kim_id, today):
        new = [m for m in officers if m not in invited]
        if not new:
            continue
        await repo.set_invitees(conn, training_id, event.kim_id, [*invited, *new])
        await outbox.add(
            conn,
            TrainingInvited(
                training_id=training_id, kim_id=event.kim_id, officers=len(new), invited_at=now
            ),
            source,
            kabupaten=event.kabupaten_code,
        )


# --- rejected articles -----------------------------------------------------------------------


async def on_article_rejected(
    conn: Connection, source: EventSource, event: ArticleRejected, now: datetime
) -> None:
    """Record the rejection once; when the KIM's uncounted rejections fill the window, open
    one system help request for the skill they call for."""
    kim = await get_kim(conn, event.kim_id)
    if kim is None:
        raise KimNotProjectedYet(f"KIM {event.kim_id} is not in the KIM projection yet")
    await repo.lock_kim_rejections(conn, event.kim_id)
    recorded = await repo.add_rejection(
        conn,
        rejection_key=domain.rejection_key(event.article_id, event.revision, event.rejected_at),
        kim_id=event.kim_id,
        article_id=event.article_id,
        reason_code=event.reason_code,
        rejected_at=event.rejected_at,
    )
    kabupaten_code = kim.state.kabupaten_code
    settings = await repo.get_settings(conn, kabupaten_code)
    if not recorded or not settings.rejections_enabled:
        return
    window = timedelta(days=settings.rejections_window_days)
    pending = await repo.pending_rejections(
        conn, event.kim_id, event.rejected_at - window, event.rejected_at + window
    )
    trigger = domain.rejections_trigger(settings, pending)
    if trigger is None:
        return
    firing_id = uuid.uuid4()
    if not await repo.claim(
        conn,
        firing_id,
        rule="rejected_articles",
        cause_key=trigger.cause_key,
        kim_id=event.kim_id,
        kabupaten_code=kabupaten_code,
        now=now,
    ):
        return
    await repo.consume(conn, firing_id, [r.rejection_key for r in trigger.rejections])
    request = await submit(
        conn,
        source,
        Submission(
            kim_id=event.kim_id,
            kabupaten_code=kabupaten_code,
            skill=trigger.skill,
            description=domain.rejections_description(trigger, settings.rejections_window_days),
            mode="online",
            urgency="sedang",
            opened_by=SYSTEM,
            rule="rejected_articles",
        ),
        now,
    )
    await repo.record_effect(conn, firing_id, request_id=request.id, training_id=None)


# --- lowest band -----------------------------------------------------------------------------


async def on_kim_evaluated(
    conn: Connection, source: EventSource, event: KimEvaluated, now: datetime
) -> None:
    """A KIM in the lowest band of a period gets a mentoring plan: a system help request and
    the kabupaten's next training of the plan's skill as a suggestion (if one is scheduled)."""
    if not domain.in_lowest_band(event.band, event.bands):
        return
    settings = await repo.get_settings(conn, event.kabupaten_code)
    if not settings.lowest_band_enabled:
        return
    firing_id = uuid.uuid4()
    if not await repo.claim(
        conn,
        firing_id,
        rule="lowest_band",
        cause_key=f"kim:{event.kim_id}/period:{event.period_id}",
        kim_id=event.kim_id,
        kabupaten_code=event.kabupaten_code,
        band=event.band,
        period_id=event.period_id,
        now=now,
    ):
        return
    skill = settings.lowest_band_skill
    training = await trainings.next_of_skill(conn, event.kabupaten_code, skill, clock.today(now))
    suggestion = (training.title, training.starts_on) if training is not None else None
    request = await submit(
        conn,
        source,
        Submission(
            kim_id=event.kim_id,
            kabupaten_code=event.kabupaten_code,
            skill=skill,
            description=domain.plan_description(event.band, event.score, skill, suggestion),
            mode="kunjungan",
            urgency="sedang",
            opened_by=SYSTEM,
            rule="lowest_band",
        ),
        now,
    )
    await repo.record_effect(
        conn,
        firing_id,
        request_id=request.id,
        training_id=training.id if training is not None else None,
    )


# --- settings --------------------------------------------------------------------------------

KABUPATEN_NOT_FOUND = "The kabupaten was not found."


async def ensure_kabupaten(conn: Connection, principal: Principal, code: str) -> None:
    """404 for an unknown kabupaten/kota or one outside the operator's scope."""
    if not principal.acts_in(code, OPERATOR_KABUPATEN):
        raise NotFound(KABUPATEN_NOT_FOUND)
    found = await region(conn, code)
    if found is None or found.level != 2:
        raise NotFound(KABUPATEN_NOT_FOUND)


async def put_settings(
    conn: Connection,
    principal: Principal,
    code: str,
    expected: frozenset[int],
    body: SettingsPut,
    now: datetime,
) -> RuleSettings:
    """Replace a kabupaten's settings (``If-Match: "0"`` while the defaults apply); reason
    codes left out of ``skill_by_reason`` keep their default skill."""
    await ensure_kabupaten(conn, principal, code)
    current = await repo.get_settings(conn, code, lock=True)
    ensure_version(current.version, expected, "proactive rules")
    wanted = RuleSettings(
        kabupaten_code=code,
        onboarding_enabled=body.onboarding.enabled,
        onboarding_skill=body.onboarding.skill,
        rejections_enabled=body.rejected_articles.enabled,
        rejections_threshold=body.rejected_articles.threshold,
        rejections_window_days=body.rejected_articles.window_days,
        skill_by_reason=domain.skills_with_defaults(
            {str(code): skill for code, skill in body.rejected_articles.skill_by_reason.items()}
        ),
        lowest_band_enabled=body.lowest_band.enabled,
        lowest_band_skill=body.lowest_band.skill,
        version=current.version,
    )
    saved = await repo.save_settings(conn, wanted, by=principal.subject, now=now)
    if saved is None:  # another request created the settings meanwhile
        raise StaleVersion((await repo.get_settings(conn, code)).version, "proactive rules")
    return saved
