"""The pytest fixtures every service's own tests use: the service on the real broker and a
fresh database, its HTTP client and runtime, tokens, and the registry stand-in.

A service's ``conftest.py`` names the service and imports the fixtures::

    from kim_devstack.service_fixtures import (
        app, auth, http, registry, runtime, service_overrides, settings,
    )

    @pytest.fixture
    def service_name() -> str:
        return "marketplace"

or defines its own ``service_overrides`` (extra settings for the whole suite) instead of
importing it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kim_devstack.standins import Registry
from kim_devstack.testing import serving, start_consumers_at_the_end
from kim_devstack.tokens import bearer
from kim_shared.service import Runtime
from kim_shared.settings import ServiceSettings

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def service_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(
    service_name: str,
    service_overrides: dict[str, Any],
    fresh_db: str,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> ServiceSettings:
    module = import_module(f"kim_{service_name}.settings")
    settings_class = getattr(module, f"{service_name.capitalize()}Settings")
    built: ServiceSettings = settings_class(
        database_url=fresh_db,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
        **service_overrides,
    )
    return built


@pytest.fixture
async def app(
    service_name: str, settings: ServiceSettings, kafka_bootstrap: str
) -> AsyncIterator[FastAPI]:
    """The service with every consumer group of its moved to the end of its topics (the
    topics are shared by the test session)."""
    main = import_module(f"kim_{service_name}.main")
    await start_consumers_at_the_end(kafka_bootstrap, main.SPEC)
    application: FastAPI = main.create_app(settings)
    async with serving(application) as client:
        application.state.test_client = client
        yield application


@pytest.fixture
def http(app: FastAPI) -> httpx.AsyncClient:
    client: httpx.AsyncClient = app.state.test_client
    return client


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


@pytest.fixture
def auth(settings: ServiceSettings) -> Auth:
    """``auth("anggota_kim", sub="siti", region="35.02")`` → headers with a valid token."""

    def make(*roles: str, **kwargs: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kwargs)

    return make


@pytest.fixture
async def registry(runtime: Runtime, kafka_bootstrap: str) -> Registry:
    """The registry's regions of Ponorogo and Madiun published and projected."""
    reg = Registry(kafka_bootstrap, runtime)
    await reg.publish_regions()
    return reg
