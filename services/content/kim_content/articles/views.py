"""Rows to response bodies."""

from __future__ import annotations

from kim_content.articles.repository import ArticleRow, RevisionRow, ScreeningRow, TransitionRow
from kim_content.articles.schemas import (
    Agenda,
    ArticleView,
    Children,
    Finding,
    Image,
    Media,
    RevisionView,
    ScreeningView,
    TransitionView,
)


def revision_view(rev: RevisionRow) -> RevisionView:
    agenda = None
    if rev.agenda_date is not None and rev.agenda_place is not None:
        agenda = Agenda(date=rev.agenda_date, place=rev.agenda_place)
    return RevisionView(
        number=rev.number,
        title=rev.title,
        body=rev.body,
        category=rev.category,  # type: ignore[arg-type]
        village_code=rev.village_code,
        agenda=agenda,
        cover=Image.model_validate(rev.cover) if rev.cover else None,
        media=[Media.model_validate(m) for m in rev.media],
        tags=list(rev.tags),
        children=Children(
            shown=rev.shows_children,
            consent_reference=rev.consent_reference,
            consent_recorded_on=rev.consent_recorded_at,
        ),
        scheduled_at=rev.scheduled_at,
        created_at=rev.created_at,
    )


def screening_view(s: ScreeningRow) -> ScreeningView:
    findings = [
        Finding.model_validate(f)
        for rule in s.result.get("rule_results", [])
        if rule.get("outcome") == "hit"
        for f in rule.get("findings", [])
    ]
    return ScreeningView(
        revision=s.revision,
        verdict=s.verdict,
        screened_at=s.screened_at,
        reasons=list(s.result.get("blocked_reasons", [])),
        findings=findings,
    )


def article_view(a: ArticleRow, rev: RevisionRow, screening: ScreeningRow | None) -> ArticleView:
    return ArticleView(
        id=a.id,
        kim_id=a.kim_id,
        kabupaten_code=a.kabupaten_code,
        status=a.status,
        hidden=a.hidden,
        current_revision=a.current_revision,
        published_revision=a.published_revision,
        first_published_at=a.first_published_at,
        published_at=a.published_at,
        scheduled_at=a.scheduled_at,
        reason_code=a.reason_code,
        feedback=a.feedback,
        content=revision_view(rev),
        screening=screening_view(screening) if screening is not None else None,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def transition_view(t: TransitionRow) -> TransitionView:
    return TransitionView(
        revision=t.revision,
        from_status=t.from_status,
        to_status=t.to_status,
        action=t.action,
        actor_role=t.actor_role,
        reason_code=t.reason_code,
        note=t.note,
        at=t.at,
    )
