"""/docs and /asyncapi are served with their assets from the app itself (the browser check
of the rendered pages is tests/test_docs_pages.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kim_shared.http.docs import DocsAssets, install_docs

DOCUMENT: dict[str, Any] = {"asyncapi": "3.0.0", "info": {"title": "t", "version": "1"}}
_ABSOLUTE = re.compile(r"""(?:src|href|url)\s*[=:]\s*["']?(?:https?:)?//""", re.I)


def app_with(assets: DocsAssets) -> FastAPI:
    app = FastAPI(title="Widgets", docs_url=None, redoc_url=None)
    install_docs(app, assets, lambda: DOCUMENT)
    return app


async def get(
    app: FastAPI, url: str, params: dict[str, str] | None = None, root_path: str = ""
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get(url, params=params)


async def test_pages_and_their_assets_come_from_the_app() -> None:
    assets = DocsAssets.locate()
    app = app_with(assets)
    for page in ("/docs", "/asyncapi"):
        r = await get(app, page)
        assert r.status_code == 200, r.text
        assert not _ABSOLUTE.search(r.text), f"{page} loads something from another host"
    docs = (await get(app, "/docs")).text
    assert '"validatorUrl": null' in docs
    for path, file in {
        "/docs/assets/swagger-ui-bundle.js": assets.swagger_js,
        "/docs/assets/swagger-ui.css": assets.swagger_css,
        "/docs/assets/favicon.png": assets.favicon,
        "/asyncapi/assets/asyncapi-viewer.js": assets.asyncapi_js,
        "/asyncapi/assets/asyncapi-viewer.css": assets.asyncapi_css,
    }.items():
        r = await get(app, path)
        assert r.status_code == 200, path
        assert r.content == file.read_bytes(), path
    assert (await get(app, "/asyncapi.json")).json() == DOCUMENT
    assert (await get(app, "/docs/oauth2-redirect")).status_code == 200


async def test_an_asset_route_serves_its_own_file_whatever_the_query() -> None:
    assets = DocsAssets.locate()
    r = await get(app_with(assets), "/docs/assets/swagger-ui.css", {"path": __file__})
    assert r.content == assets.swagger_css.read_bytes()


async def test_a_proxy_prefix_is_kept_in_every_address() -> None:
    app = app_with(DocsAssets.locate())
    docs = (await get(app, "/docs", root_path="/registry")).text
    assert "'/registry/openapi.json'" in docs
    assert 'src="/registry/docs/assets/swagger-ui-bundle.js"' in docs
    viewer = (await get(app, "/asyncapi", root_path="/registry")).text
    assert 'src="/registry/asyncapi/assets/asyncapi-viewer.js"' in viewer
    assert 'fetch("/registry/asyncapi.json")' in viewer


async def test_a_missing_viewer_says_how_to_install_it(tmp_path: Path) -> None:
    r = await get(app_with(DocsAssets.locate(tmp_path)), "/asyncapi")
    assert r.status_code == 503
    assert "make install" in r.text
    assert "KIM_ASYNCAPI_VIEWER_DIR" in r.text
    assert DocsAssets.locate(tmp_path).missing() == [
        tmp_path / "browser" / "standalone" / "index.js",
        tmp_path / "styles" / "default.min.css",
    ]


def test_fastapis_own_cdn_pages_are_refused() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        install_docs(FastAPI(), DocsAssets.locate(), lambda: DOCUMENT)
