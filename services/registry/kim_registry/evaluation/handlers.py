"""Commands of the activity projection and of evaluations.

Event handlers run inside the inbox transaction (:mod:`kim_shared.inbox`);
command handlers inside the transaction the route opened. Both take the
connection and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import asyncpg

from kim_registry.access import ensure_staff_sees, staff_sees
from kim_registry.evaluation import repository as repo
from kim_registry.evaluation.domain import (
    DEFAULT_BANDS,
    DEFAULT_CRITERIA,
    Band,
    Criterion,
    Result,
    activity_fact,
    band_issues,
    criteria_issues,
    evaluate,
    jury_score_issues,
    period_issues,
)
from kim_registry.evaluation.schemas import PeriodCreate, ScoresPut
from kim_shared.auth import Principal
from kim_shared.clock import start_of_day, today
from kim_shared.db import Connection
from kim_shared.errors import Conflict, Invalid, Issue, NotFound, StaleVersion, ensure_version
from kim_shared.events.base import Event
from kim_shared.events.types.registry import KimEvaluated
from kim_shared.inbox import Delivered, PermanentError
from kim_shared.outbox import EventSource, add_many

# --- activity facts (consumer registry.activity) ----------------------------------------


async def record_activity(conn: Connection, delivered: Sequence[Delivered]) -> None:
    """Project a batch of activity facts, set-based: one look-up of the KIM they name, one
    insert (a fact already there is left as it is: a replay or a republished fact).

    The registry owns KIM: an id it never issued is a bad reference, not a late arrival.
    Such a fact fails the batch with :class:`PermanentError`; the kit then narrows the batch
    down until that event is alone and dead-letters it, and applies every other one.
    """
    facts = [(d, fact) for d in delivered if (fact := activity_fact(d.event)) is not None]
    if not facts:
        return
    known = await repo.existing_kim(conn, {fact.kim_id for _, fact in facts})
    for d, fact in facts:
        if fact.kim_id not in known:
            envelope = d.meta.envelope
            raise PermanentError(f"{envelope.type} {envelope.id}: unknown KIM {fact.kim_id}")
    await repo.record_activities(conn, [fact for _, fact in facts])


# --- evaluation periods ------------------------------------------------------------------


async def create_period(
    conn: Connection, principal: Principal, body: PeriodCreate
) -> asyncpg.Record:
    if (
        not staff_sees(principal, body.kabupaten_code)
        or await repo.region_level(conn, body.kabupaten_code) != 2
    ):
        raise Invalid(
            f"kabupaten_code {body.kabupaten_code} is not a known kabupaten/kota inside your "
            f"region ({principal.region_scope}).",
            slug="unknown-region",
            field="body.kabupaten_code",
        )
    criteria = (
        [c.domain() for c in body.criteria] if body.criteria is not None else DEFAULT_CRITERIA
    )
    bands = [b.domain() for b in body.bands] if body.bands is not None else DEFAULT_BANDS
    issues = (
        period_issues(body.starts_on, body.ends_on) + criteria_issues(criteria) + band_issues(bands)
    )
    if issues:
        raise Invalid.of("The evaluation period is not valid", issues)
    return await repo.insert_period(
        conn,
        period_id=uuid.uuid4(),
        kabupaten_code=body.kabupaten_code,
        name=body.name,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        criteria=[c.as_json() for c in criteria],
        bands=[b.as_json() for b in bands],
        created_by=principal.subject,
    )


async def visible_period(
    conn: Connection, principal: Principal, period_id: UUID, *, lock: repo.Lock = ""
) -> asyncpg.Record:
    """The period if it exists and lies in the principal's scope; 404 otherwise."""
    period = await repo.get_period(conn, period_id, lock=lock)
    if period is None:
        raise NotFound(f"Evaluation period {period_id} was not found.")
    ensure_staff_sees(principal, period["kabupaten_code"], "evaluation period")
    return period


def criteria_of(period: asyncpg.Record) -> list[Criterion]:
    return [Criterion.from_json(c) for c in period["criteria"]]


def bands_of(period: asyncpg.Record) -> list[Band]:
    return [Band.from_json(b) for b in period["bands"]]


async def period_kim(conn: Connection, period: asyncpg.Record, kim_id: UUID) -> asyncpg.Record:
    kim = await repo.kim_ref(conn, kim_id)
    if kim is None or kim["kabupaten_code"] != period["kabupaten_code"]:
        raise NotFound(f"KIM {kim_id} in Kabupaten {period['kabupaten_code']} was not found.")
    return kim


async def put_scores(
    conn: Connection,
    principal: Principal,
    period_id: UUID,
    kim_id: UUID,
    body: ScoresPut,
    expected: Collection[int],
) -> asyncpg.Record:
    """Replace a KIM's jury score sheet; returns the (visible, still open) period.

    ``expected``: the sheet versions named by ``If-Match`` (``{0}`` for the first scores)."""
    period = await visible_period(conn, principal, period_id, lock="SHARE")
    if period["status"] != "open":
        raise Conflict(
            f"Evaluation period {period_id} is finalized; its jury scores can no longer change.",
            slug="period-finalized",
        )
    kim = await period_kim(conn, period, kim_id)
    if kim["status"] == "dibubarkan":
        raise Conflict(f"KIM {kim_id} is dissolved (dibubarkan); it is not evaluated.")
    version = await repo.sheet_version(conn, period_id, kim_id, for_update=True)
    ensure_version(version, expected, "score sheet")
    issues = jury_score_issues(criteria_of(period), body.scores)
    issues += [
        Issue(f"notes.{key}", "A note belongs to a criterion scored in the same request.")
        for key in body.notes
        if key not in body.scores
    ]
    if issues:
        raise Invalid.of("The jury scores are not valid", issues)
    saved = await repo.save_sheet(
        conn,
        period_id,
        kim_id,
        dict(body.scores),
        dict(body.notes),
        principal.subject,
        based_on=version,
    )
    if saved is None:  # another request saved the sheet first (also the very first one)
        raise StaleVersion(await repo.sheet_version(conn, period_id, kim_id), "score sheet")
    return period


@dataclass(frozen=True)
class Finalized:
    period: asyncpg.Record
    results: list[tuple[asyncpg.Record, Result]]  # (kim, result), best first


async def finalize(
    conn: Connection,
    principal: Principal,
    period_id: UUID,
    expected: Collection[int] | None,
    source: EventSource,
    *,
    close_early: bool = False,
) -> Finalized:
    """Score every ``aktif`` KIM of the kabupaten, store the results, stage the events.

    A period is finalized after its last day, when all of its activity is in. Closed early
    (``close_early``, e.g. when a lomba KIM's timetable is brought forward), it ends today
    instead and counts the activity recorded until now; the shortened end date is stored
    and published."""
    period = await visible_period(conn, principal, period_id, lock="UPDATE")
    ensure_version(period["version"], expected, "evaluation period")
    if period["status"] == "finalized":
        when = period["finalized_at"].date().isoformat()
        raise Conflict(
            f"Evaluation period {period_id} was already finalized on {when}; "
            "its results are published and cannot be computed again.",
            slug="period-finalized",
        )
    ends_on = period["ends_on"]
    if close_early and today() < period["starts_on"]:
        raise Conflict(
            f"Evaluation period {period_id} starts on {period['starts_on'].isoformat()}; "
            "a period that has not started cannot be closed early.",
            slug="period-not-started",
        )
    if close_early and today() <= ends_on:
        ends_on = today()
    elif today() <= ends_on:
        raise Conflict(
            f"Evaluation period {period_id} runs until {ends_on.isoformat()}; it can be "
            f"finalized from {(ends_on + timedelta(days=1)).isoformat()} on, when all of its "
            "activity is in (or close it early with close_early=true).",
            slug="period-not-ended",
        )
    criteria, bands = criteria_of(period), bands_of(period)
    kims = await repo.aktif_kim(conn, period["kabupaten_code"])
    ids = [k["id"] for k in kims]
    jury = await repo.period_jury_scores(conn, period_id)
    counts = await repo.activity_counts(
        conn, ids, start_of_day(period["starts_on"]), start_of_day(ends_on + timedelta(days=1))
    )
    results = [
        (k, evaluate(criteria, bands, jury.get(k["id"], {}), counts.get(k["id"], {}))) for k in kims
    ]
    results.sort(key=lambda kr: (-kr[1].score, kr[0]["name"], kr[0]["id"]))
    await repo.insert_evaluations(conn, period_id, [(k["id"], r) for k, r in results])
    events: list[Event] = [
        KimEvaluated(
            kim_id=k["id"],
            period_id=period_id,
            kabupaten_code=period["kabupaten_code"],
            score=r.score,
            band=r.band,
            criteria=r.breakdown,
            period_ends_on=ends_on,
            bands=[b.band for b in bands],
        )
        for k, r in results
    ]
    await add_many(conn, events, source, kabupaten=lambda _: period["kabupaten_code"])
    finalized = await repo.mark_finalized(conn, period_id, principal.subject, ends_on)
    return Finalized(period=finalized, results=results)
