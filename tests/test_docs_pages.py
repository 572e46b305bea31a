"""``/docs`` and ``/asyncapi`` work on a closed network: in a real browser (Debian's
chromium, driven by Playwright; no browser is downloaded) both pages of a running
service render its operations, and every request the pages make goes to the service.

The service runs as in production: uvicorn in its own process, on a free local port.
When chromium is missing or cannot start, these tests fail (``make test`` installs it).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from playwright.async_api import Browser, Page, Request, Route, async_playwright

from kim_devstack.services import ServiceDef, ServiceProcess
from kim_devstack.stack import Stack, with_database
from kim_shared.http.docs import DocsAssets

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def registry(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceDef]:
    """The registry in its own uvicorn process on a fresh database and a free port."""
    database = f"docs_{uuid.uuid4().hex[:12]}"
    tmp = tmp_path_factory.mktemp("docs")
    service = ServiceDef("registry", _free_port())
    env = {
        "KIM_REGISTRY_DATABASE_URL": stack.database_url(database),
        "KIM_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "KIM_AUTH_DEV_KEY_DIR": str(tmp / "keys"),
        "KIM_LOG_JSON": "false",
    }
    process = ServiceProcess(service, env, tmp)
    try:
        process.wait_ready()
        yield service
    finally:
        process.stop()
        asyncio.run(_drop(stack.postgres_url, database))


async def _drop(server: str, database: str) -> None:
    conn = await asyncpg.connect(with_database(server, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Visit:
    """A page and every request it made (requests elsewhere are recorded, then refused)."""

    page: Page
    origin: str
    requested: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [url for url in self.requested if _origin(url) != self.origin]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(scope="session")
def chromium() -> Path:
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)"
    )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # Fails loudly when chromium cannot start: never a skip.
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def visit(browser: Browser, service: ServiceDef, path: str) -> Visit:
    context = await browser.new_context()
    page = await context.new_page()
    seen = Visit(page, service.url)
    page.on("request", lambda request: seen.requested.append(request.url))

    async def local_only(route: Route, request: Request) -> None:
        if _origin(request.url) == seen.origin:
            await route.continue_()
        else:
            await route.abort("blockedbyclient")

    await context.route("**/*", local_only)
    response = await page.goto(f"{service.url}{path}", wait_until="networkidle")
    assert response is not None
    assert response.status == 200, await response.text()
    return seen


@pytest.mark.integration
async def test_swagger_ui_renders_the_operations_from_the_service_alone(
    browser: Browser, registry: ServiceDef
) -> None:
    seen = await visit(browser, registry, "/docs")
    assert seen.foreign() == []
    paths = seen.page.locator(".opblock-summary-path")
    await paths.first.wait_for(timeout=20_000)
    shown = {(await p.get_attribute("data-path")) or "" for p in await paths.all()}
    assert {"/kim", "/kim/{kim_id}", "/regions/{code}"} <= shown, shown
    methods = await seen.page.locator(".opblock-summary-method").all_inner_texts()
    assert {"GET", "POST", "PATCH"} <= set(methods)
    # No online validator badge: it would send the document's address to a public server.
    assert await seen.page.evaluate("ui.getConfigs().validatorUrl") is None
    assert f"{registry.url}/docs/assets/swagger-ui-bundle.js" in seen.requested
    assert f"{registry.url}/openapi.json" in seen.requested


@pytest.mark.integration
async def test_asyncapi_viewer_renders_the_channels_and_messages_from_the_service_alone(
    browser: Browser, registry: ServiceDef
) -> None:
    seen = await visit(browser, registry, "/asyncapi")
    assert seen.foreign() == []
    document = json.loads((ROOT / "services" / "registry" / "asyncapi.json").read_text())
    operations = seen.page.locator("[id^='operation-']")
    await operations.first.wait_for(timeout=20_000)
    text = await seen.page.inner_text("#asyncapi")
    for channel in document["channels"].values():
        assert channel["address"] in text, channel["address"]
    for message in document["components"]["messages"].values():
        assert message["name"] in text, message["name"]
    assert await operations.count() >= len(document["operations"])
    assert f"{registry.url}/asyncapi/assets/asyncapi-viewer.js" in seen.requested
    assert f"{registry.url}/asyncapi.json" in seen.requested


def test_the_viewer_assets_are_installed() -> None:
    """``make install`` put them in place (``npm ci`` in ``shared/docs-assets``)."""
    assert DocsAssets.locate().missing() == []


# Public CDNs and font hosts that pages commonly load from (FastAPI's and FastStream's
# defaults among them). Written without a scheme so that this file does not match itself.
_CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "fastly.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "ajax.googleapis.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "code.jquery.com",
    "stackpath.bootstrapcdn.com",
    "maxcdn.bootstrapcdn.com",
    "cdn.redoc.ly",
    "esm.sh",
    "cdn.skypack.dev",
    "fastapi.tiangolo.com",
)
_CDN_URL = re.compile(
    r"(?:https?:)?//(?:[\w-]+\.)*(?:" + "|".join(re.escape(h) for h in _CDN_HOSTS) + r")\b", re.I
)


def test_nothing_in_the_repository_loads_from_a_public_cdn() -> None:
    """Every tracked (or new, not ignored) text file: code, pages, templates, docs, configs."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    offenders: dict[str, list[str]] = {}
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        text = path.read_bytes()
        if b"\0" in text:
            continue  # binary
        if found := _CDN_URL.findall(text.decode("utf-8", errors="replace")):
            offenders[name] = sorted(set(found))
    assert offenders == {}


def test_the_cdn_check_finds_what_it_looks_for() -> None:
    planted = [
        '<script src="https://' + "unpkg.com/x@1/index.js" + '">',
        "url(//" + "fonts.gstatic.com/s/roboto.woff2)",
        "https://" + "cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    ]
    for line in planted:
        assert _CDN_URL.search(line), line
    assert not _CDN_URL.search("http://127.0.0.1:8001/docs/assets/swagger-ui.css")
