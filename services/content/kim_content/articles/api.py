"""HTTP routes of the authors' workspace: write, revise, submit, follow an article.

Moderation routes are in :mod:`kim_content.moderation.api`; public reading in
:mod:`kim_content.publishing.api`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kim_content import access
from kim_content.articles import handlers, queries, steps
from kim_content.articles import repository as repo
from kim_content.articles.domain import Status as ArticleStatus
from kim_content.articles.domain import TrustPolicy
from kim_content.articles.schemas import (
    ArticleContent,
    ArticleCreate,
    ArticlePage,
    ArticleView,
    EditorDecision,
    KimContentSettings,
    KimContentSettingsView,
    RevisionView,
    TransitionView,
)
from kim_content.articles.views import article_view, revision_view, transition_view
from kim_content.settings import settings_of
from kim_shared.auth import Principal
from kim_shared.auth.principal import OPERATOR_KABUPATEN, PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound
from kim_shared.http.command import command
from kim_shared.http.concurrency import IfMatchOptional, IfMatchRequired, etag, with_etag
from kim_shared.http.idempotency import IdempotencyKey
from kim_shared.projections.kim.lookups import get_kim
from kim_shared.projections.kim.rows import Kim
from kim_shared.projections.regions.lookups import active_village
from kim_shared.service import Pool, Source

router = APIRouter(tags=["articles"])


def _now() -> datetime:
    return datetime.now(UTC)


def _policy(request: Request) -> TrustPolicy:
    return settings_of(request).trust_policy


async def _view(conn: Connection, article: repo.ArticleRow) -> ArticleView:
    rev = await steps.current_revision(conn, article)
    return article_view(article, rev, await repo.latest_screening(conn, "article", article.id))


async def _respond(conn: Connection, article: repo.ArticleRow) -> Response:
    return with_etag(await _view(conn, article), article.version)


async def _readable(conn: Connection, principal: Principal, article_id: UUID) -> repo.ArticleRow:
    article = await steps.load(conn, article_id)
    if not await access.can_read_draft(
        conn,
        principal,
        author=article.author_subject,
        kim_id=article.kim_id,
        region=article.village_code,
        on=today(),
    ):
        raise NotFound(access.ARTICLE_NOT_FOUND)
    return article


@router.post(
    "/articles", status_code=201, response_model=ArticleView, summary="Write a new article (draft)"
)
async def create_article(
    request: Request,
    body: ArticleCreate,
    principal: access.Writer,
    pool: Pool,
    key: IdempotencyKey = None,
) -> Response:
    """Members and officers of an aktif KIM; the article starts as a draft (revision 1)."""
    async with command(pool, request, principal, key, body) as cmd:
        if cmd.existing is None:
            article = await handlers.create(cmd.conn, principal, body, _now())
        else:
            article = await steps.load(cmd.conn, UUID(cmd.existing))
        return cmd.created(
            article.id,
            (await _view(cmd.conn, article)).model_dump(mode="json"),
            headers={"Location": f"/articles/{article.id}", "ETag": etag(article.version)},
        )


@router.get("/articles", response_model=ArticlePage, summary="Articles in my workspace")
async def list_articles(
    principal: access.Workspace,
    pool: Pool,
    kim_id: UUID | None = None,
    status: ArticleStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ArticlePage:
    """Authors see their own; KIM officers their KIM's; moderation staff their region's.
    Newest change first; ``next_cursor`` continues the list."""
    async with pool.acquire() as conn:
        scope = await queries.workspace_scope(conn, principal, today())
        return await queries.workspace_page(conn, scope, kim_id, status, cursor, limit)


@router.get(
    "/articles/{article_id:uuid}",
    response_model=ArticleView,
    summary="One article, as its author and reviewers see it",
)
async def get_article(article_id: UUID, principal: access.Workspace, pool: Pool) -> Response:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await _respond(conn, await _readable(conn, principal, article_id))


@router.put(
    "/articles/{article_id:uuid}",
    response_model=ArticleView,
    summary="Revise a draft or rejected article (a new revision)",
)
async def revise_article(
    article_id: UUID,
    body: ArticleContent,
    principal: access.Writer,
    expected: IfMatchRequired,
    pool: Pool,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        article = await handlers.revise(conn, principal, article_id, expected, body, _now())
        return await _respond(conn, article)


@router.post(
    "/articles/{article_id:uuid}/submit",
    response_model=ArticleView,
    summary="Submit for publication (screened at once)",
)
async def submit_article(
    request: Request,
    article_id: UUID,
    principal: access.Writer,
    expected: IfMatchOptional,
    pool: Pool,
    source: Source,
) -> Response:
    """Screening runs at once: personal data or blocked words send the article back with
    their exact places; otherwise it goes to the KIM's editors or to Diskominfo review."""
    async with pool.acquire() as conn, conn.transaction():
        article = await handlers.submit(
            conn, source, principal, article_id, expected, _policy(request), _now()
        )
        return await _respond(conn, article)


@router.get(
    "/articles/{article_id:uuid}/revisions",
    response_model=list[RevisionView],
    summary="Every revision of an article",
)
async def list_revisions(
    article_id: UUID, principal: access.Workspace, pool: Pool
) -> list[RevisionView]:
    async with pool.acquire() as conn:
        article = await _readable(conn, principal, article_id)
        return [revision_view(r) for r in await repo.list_revisions(conn, article.id)]


@router.get(
    "/articles/{article_id:uuid}/history",
    response_model=list[TransitionView],
    summary="Every workflow step of an article",
)
async def list_history(
    article_id: UUID, principal: access.Workspace, pool: Pool
) -> list[TransitionView]:
    async with pool.acquire() as conn:
        article = await _readable(conn, principal, article_id)
        return [transition_view(t) for t in await repo.list_transitions(conn, article.id)]


@router.post(
    "/articles/{article_id:uuid}/editor-decision",
    response_model=ArticleView,
    summary="A KIM editor approves or returns an article",
)
async def editor_decision(
    request: Request,
    article_id: UUID,
    body: EditorDecision,
    principal: access.Officer,
    pool: Pool,
    source: Source,
) -> Response:
    async with pool.acquire() as conn, conn.transaction():
        article = await handlers.editor_decide(
            conn,
            source,
            principal,
            article_id,
            body.decision == "approve",
            body.feedback,
            _policy(request),
            _now(),
        )
        return await _respond(conn, article)


@router.get(
    "/kim/{kim_id:uuid}/content-settings",
    response_model=KimContentSettingsView,
    summary="A KIM's content settings",
)
async def get_settings(
    kim_id: UUID, principal: access.Officer, pool: Pool
) -> KimContentSettingsView:
    async with pool.acquire() as conn:
        await _settings_access(conn, principal, kim_id)
        row = await repo.get_settings(conn, kim_id)
        if row is None:
            return KimContentSettingsView(kim_id=kim_id, version=0)
        return KimContentSettingsView(
            kim_id=kim_id,
            version=row.version,
            editor_review=row.editor_review,
            extra_villages=row.extra_villages,
        )


@router.put(
    "/kim/{kim_id:uuid}/content-settings",
    response_model=KimContentSettingsView,
    summary="Change a KIM's content settings",
)
async def put_settings(
    kim_id: UUID, body: KimContentSettings, principal: access.Officer, pool: Pool
) -> KimContentSettingsView:
    """The KIM's officers or its kabupaten's operator: editor review, extra villages."""
    async with pool.acquire() as conn, conn.transaction():
        kim = await _settings_access(conn, principal, kim_id)
        await _check_extra_villages(conn, kim.state.kabupaten_code, body.extra_villages)
        row = await repo.put_settings(
            conn, kim_id, body.editor_review, sorted(set(body.extra_villages)), principal.subject
        )
        return KimContentSettingsView(
            kim_id=kim_id,
            version=row.version,
            editor_review=row.editor_review,
            extra_villages=row.extra_villages,
        )


async def _settings_access(conn: Connection, principal: Principal, kim_id: UUID) -> Kim:
    kim = await get_kim(conn, kim_id)
    if kim is None:
        raise NotFound(access.KIM_NOT_FOUND)
    if principal.acts_in(kim.state.village_code, OPERATOR_KABUPATEN):
        return kim
    if principal.acts_in(kim.state.village_code, PENGELOLA_KIM) and await access.is_officer_of(
        conn, principal, kim_id, today()
    ):
        return kim
    raise NotFound(access.KIM_NOT_FOUND)


async def _check_extra_villages(conn: Connection, kabupaten: str, codes: list[str]) -> None:
    """Extra villages must be active villages of the KIM's own kabupaten (422 otherwise)."""
    for i, code in enumerate(codes):
        if not code.startswith(kabupaten + ".") or await active_village(conn, code) is None:
            raise Invalid(
                "An extra village must be an active desa/kelurahan of the KIM's kabupaten.",
                field=f"body.extra_villages[{i}]",
            )
