"""Composition root of the portal.

Run with ``uvicorn --factory kim_portal.main:create_app`` (port 8000). Nothing is created at
import time: the lifespan opens one HTTP client per service and closes them at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from kim_portal.clients.base import ServiceClient
from kim_portal.clients.content import ContentClient
from kim_portal.clients.marketplace import MarketplaceClient
from kim_portal.clients.mentoring import MentoringClient
from kim_portal.clients.registry import RegistryClient
from kim_portal.deps import Services
from kim_portal.routes import (
    evaluation,
    health,
    member,
    mentoring,
    moderation,
    operator,
    public,
    seller,
    signin,
    trainings,
)
from kim_portal.settings import PortalSettings
from kim_portal.signin.oidc import create_oauth
from kim_portal.web.errors import install_error_pages
from kim_portal.web.security import SecurityHeaders
from kim_portal.web.templating import create_templates
from kim_shared.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_router

STATIC = Path(__file__).resolve().parent / "static"
SERVICE_NAMES = ("registry", "content", "marketplace", "mentoring")
SESSION_COOKIE = "kim_portal"


def _base_url(settings: PortalSettings, name: str) -> str:
    url: str = getattr(settings, f"{name}_url")
    return url


def create_app(
    settings: PortalSettings | None = None,
    *,
    http_clients: Mapping[str, httpx.AsyncClient] | None = None,
) -> FastAPI:
    """The portal app. ``http_clients`` (tests) replace the client of a named service (the
    caller opens and closes them); the others are opened by the lifespan."""
    config = settings or PortalSettings()
    given = dict(http_clients or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = {}
            for name in SERVICE_NAMES:
                http = given.get(name)
                if http is None:
                    http = await stack.enter_async_context(
                        httpx.AsyncClient(
                            base_url=_base_url(config, name), timeout=config.api_timeout_s
                        )
                    )
                clients[name] = ServiceClient(name, http, cache_s=config.public_cache_s)
            app.state.services = Services(
                registry=RegistryClient(clients["registry"]),
                content=ContentClient(clients["content"]),
                marketplace=MarketplaceClient(clients["marketplace"]),
                mentoring=MentoringClient(clients["mentoring"]),
            )
            yield

    app = FastAPI(
        title="Portal KIM",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = config
    app.state.templates = create_templates()
    app.state.oauth = create_oauth(config)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.session_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=config.session_max_age_s,
        same_site="lax",
        https_only=config.secure_cookies or config.environment == "production",
    )
    app.add_middleware(SecurityHeaders)
    metrics = ServiceMetrics()
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.include_router(metrics_router(metrics))  # scraped by the portal's ServiceMonitor
    install_error_pages(app)
    app.mount("/static/portal", StaticFiles(directory=STATIC), name="static")
    app.mount(
        "/static/vendor/htmx",
        StaticFiles(directory=Path(config.assets_dir) / "htmx.org" / "dist", check_dir=False),
        name="htmx",
    )
    for router in (
        health.router,
        signin.router,
        public.router,
        member.router,
        mentoring.router,
        seller.router,
        moderation.router,
        operator.router,
        evaluation.router,
        trainings.router,
    ):
        app.include_router(router)
    return app
