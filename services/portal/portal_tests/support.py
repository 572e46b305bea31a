"""Helpers of the portal's tests: a portal served in-process and form posts with the
session's CSRF token."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

from kim_portal.main import create_app
from kim_portal.settings import PortalSettings

CSRF = re.compile(r'(?:name="csrf_token" value="|"X-CSRF-Token": ")([^"]+)"')
NOWHERE = "http://127.0.0.1:9"  # discard port: a service the test must never reach


def settings_for(keys: Path, **overrides: object) -> PortalSettings:
    values: dict[str, object] = {
        "registry_url": NOWHERE,
        "content_url": NOWHERE,
        "marketplace_url": NOWHERE,
        "mentoring_url": NOWHERE,
        "auth_dev_key_dir": str(keys),
        "public_cache_s": 0,
    }
    values.update(overrides)
    return PortalSettings.model_validate(values)


@contextlib.asynccontextmanager
async def portal(
    settings: PortalSettings, http_clients: Mapping[str, httpx.AsyncClient] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, http_clients=http_clients)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
            yield client


async def csrf_of(client: httpx.AsyncClient, path: str = "/masuk") -> str:
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


async def dev_sign_in(
    client: httpx.AsyncClient,
    role: str,
    *,
    region: str = "35.02",
    subject: str = "tester",
    kim_ids: str = "",
) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/masuk/dev",
        data={
            "csrf_token": token,
            "subject": subject,
            "role": role,
            "region": region,
            "kim_ids": kim_ids,
            "next": "/",
        },
    )
