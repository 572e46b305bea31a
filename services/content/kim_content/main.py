"""Composition root of the content service.

Run with ``uvicorn --factory kim_content.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_content
from kim_content.articles.api import router as articles_router
from kim_content.articles.scheduler import run_scheduler
from kim_content.moderation.api import router as moderation_router
from kim_content.moderation.consumers import CONSUMERS as MODERATION_CONSUMERS
from kim_content.moderation.policy_api import router as policy_router
from kim_content.publishing.api import router as public_router
from kim_content.settings import ContentSettings
from kim_shared.events.types.activity import ArticlePublished, ArticleRejected
from kim_shared.events.types.content import CONTENT_EVENTS
from kim_shared.projections import KIM, REGIONS
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="content",
    title="KIM Content",
    description=(kim_content.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
    routers=(articles_router, moderation_router, policy_router, public_router),
    publishes=(ArticlePublished, ArticleRejected, *CONTENT_EVENTS),
    projections=(REGIONS, KIM),
    consumers=MODERATION_CONSUMERS,
    tasks=(run_scheduler,),
)


def create_app(settings: ContentSettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or ContentSettings())
