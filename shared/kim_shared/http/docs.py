"""``/docs`` (Swagger UI) and ``/asyncapi`` (the AsyncAPI viewer), served with their
scripts and styles from the service itself.

FastAPI's own ``/docs`` and FastStream's AsyncAPI page load them from public CDNs:
on a closed Diskominfo network both pages stay blank. Here nothing leaves the
service:

* Swagger UI (``swagger-ui-dist``) comes from the PyPI package
  ``fastapi-standalone-docs``, a dependency of the kit, so it is in every image.
* The AsyncAPI viewer is the standalone bundle of the npm package
  ``@asyncapi/react-component`` (``shared/docs-assets``: ``package.json`` and its
  lock; ``make install`` runs ``npm ci``). The image copies the two files it needs
  and points ``KIM_ASYNCAPI_VIEWER_DIR`` at them.

Swagger's online validator badge is switched off too: it would send the
document's URL to a public server. Nothing here runs at import time.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

#: ``@asyncapi/react-component`` as ``make install`` leaves it (a checkout of the repo).
DEV_ASYNCAPI_VIEWER_DIR = (
    Path(__file__).resolve().parents[2] / "docs-assets" / "node_modules" / "@asyncapi"
    / "react-component"
)  # fmt: skip


@dataclass(frozen=True)
class DocsAssets:
    """The files behind the two pages."""

    swagger_js: Path
    swagger_css: Path
    favicon: Path
    asyncapi_js: Path
    asyncapi_css: Path

    @classmethod
    def locate(cls, asyncapi_viewer_dir: str | Path | None = None) -> DocsAssets:
        """Swagger UI from ``fastapi-standalone-docs``; the AsyncAPI viewer from
        ``asyncapi_viewer_dir`` (the ``@asyncapi/react-component`` package directory, or
        one holding its ``browser/standalone/index.js`` and ``styles/default.min.css``)."""
        static = Path(str(files("fastapi_standalone_docs") / "static"))
        viewer = Path(asyncapi_viewer_dir) if asyncapi_viewer_dir else DEV_ASYNCAPI_VIEWER_DIR
        return cls(
            swagger_js=static / "swagger" / "swagger-ui-bundle.js",
            swagger_css=static / "swagger" / "swagger-ui.css",
            favicon=static / "fastapi" / "favicon.png",
            asyncapi_js=viewer / "browser" / "standalone" / "index.js",
            asyncapi_css=viewer / "styles" / "default.min.css",
        )

    def missing(self) -> list[Path]:
        return [p for p in vars(self).values() if not p.is_file()]


def install_docs(
    app: FastAPI, assets: DocsAssets, asyncapi_document: Callable[[], dict[str, Any]]
) -> None:
    """Add ``/docs`` (+ its OAuth2 redirect), ``/asyncapi``, ``/asyncapi.json`` and the
    assets under ``/docs/assets/`` and ``/asyncapi/assets/``. The app must be built with
    ``docs_url=None, redoc_url=None`` (FastAPI's own pages load from CDNs)."""
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("build the app with docs_url=None, redoc_url=None: /docs is served here")
    app.include_router(_swagger_router(app, assets))
    app.include_router(_asyncapi_router(app.title, assets, asyncapi_document))


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _file(path: Path) -> Callable[[], Awaitable[FileResponse]]:
    # The path is closed over, never a parameter: FastAPI would read one from the query.
    async def serve() -> FileResponse:
        return FileResponse(path)

    return serve


def _files(router: APIRouter, prefix: str, served: dict[str, Path]) -> None:
    for name, path in served.items():
        router.add_api_route(f"{prefix}/{name}", _file(path), methods=["GET"])


def _swagger_router(app: FastAPI, assets: DocsAssets) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}
    _files(
        router,
        "/docs/assets",
        {
            "swagger-ui-bundle.js": assets.swagger_js,
            "swagger-ui.css": assets.swagger_css,
            "favicon.png": assets.favicon,
        },
    )

    @router.get("/docs")
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/assets/favicon.png",
            oauth2_redirect_url=f"{root}{oauth2_redirect}",
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=parameters,
        )

    @router.get(oauth2_redirect)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    return router


def _asyncapi_router(
    title: str, assets: DocsAssets, document: Callable[[], dict[str, Any]]
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    _files(
        router,
        "/asyncapi/assets",
        {"asyncapi-viewer.js": assets.asyncapi_js, "asyncapi-viewer.css": assets.asyncapi_css},
    )

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(document())

    @router.get("/asyncapi")
    async def asyncapi_html(request: Request) -> HTMLResponse:
        if not (assets.asyncapi_js.is_file() and assets.asyncapi_css.is_file()):
            return HTMLResponse(_viewer_missing(title, assets), status_code=503)
        return HTMLResponse(asyncapi_page(title, _root(request)))

    return router


def asyncapi_page(title: str, root: str = "") -> str:
    """The viewer page: it renders ``{root}/asyncapi.json`` with the local bundle."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)} — AsyncAPI</title>
<link rel="icon" href="{root}/docs/assets/favicon.png">
<link rel="stylesheet" href="{root}/asyncapi/assets/asyncapi-viewer.css"></head>
<body><div id="asyncapi"></div>
<script src="{root}/asyncapi/assets/asyncapi-viewer.js"></script>
<script>
fetch("{root}/asyncapi.json").then(r => r.json()).then(schema =>
  AsyncApiStandalone.render({{schema, config: {{show: {{sidebar: true}}}}}},
                            document.getElementById("asyncapi")));
</script></body></html>
"""


def _viewer_missing(title: str, assets: DocsAssets) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)} — AsyncAPI</title></head>
<body><h1>{html.escape(title)}: AsyncAPI</h1>
<p>The AsyncAPI viewer is not installed here ({html.escape(str(assets.asyncapi_js))} is
missing): run <code>make install</code>, or point <code>KIM_ASYNCAPI_VIEWER_DIR</code> at the
<code>@asyncapi/react-component</code> package. The document itself is at
<a href="asyncapi.json">asyncapi.json</a>.</p></body></html>
"""
