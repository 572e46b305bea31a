"""Fixtures for the registry's tests: the service running on the real broker and a
fresh database, tokens for each role, and Kabupaten Ponorogo's regions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kim_devstack.testing import serving
from kim_devstack.tokens import bearer
from kim_registry.main import create_app
from kim_registry.regions.importer import ImportResult, import_regions
from kim_registry.settings import RegistrySettings
from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"  # a neighbouring kabupaten: another tenant


@pytest.fixture
def settings(fresh_db: str, kafka_bootstrap: str, tmp_path: Path) -> RegistrySettings:
    return RegistrySettings(
        database_url=fresh_db,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
    )


@pytest.fixture
async def app(settings: RegistrySettings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
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
def auth(settings: RegistrySettings) -> Callable[..., dict[str, str]]:
    """``auth("operator_kabupaten", region="35.02")`` → headers with a valid token."""

    def make(*roles: str, **kwargs: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kwargs)

    return make


@pytest.fixture
async def ponorogo(runtime: Runtime) -> ImportResult:
    """Kabupaten Ponorogo and Kabupaten Madiun imported (their events staged in the outbox)."""
    await import_regions(runtime.pool, MADIUN, runtime.source)
    return await import_regions(runtime.pool, PONOROGO, runtime.source)
