"""Fixtures for the mentoring tests: the service on the real broker and a fresh database,
with Kabupaten Ponorogo and Madiun and their KIM as the registry would publish them (a test
publisher stands in for the registry on its state topics)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kim_devstack.testing import bearer, serving, start_groups_at_the_end
from kim_mentoring.main import SPEC, create_app
from kim_mentoring.settings import MentoringSettings
from kim_shared.events.topics import REGISTRY_KIM_STATE, REGISTRY_REGION
from kim_shared.service import Runtime

from .support import Registry
from .trainings_support import (  # noqa: F401  (the training tests' fixtures, found by name)
    trn_app,
    trn_auth,
    trn_http,
    trn_registry,
    trn_runtime,
    trn_settings,
)


@pytest.fixture
def settings(fresh_db: str, kafka_bootstrap: str, tmp_path: Path) -> MentoringSettings:
    return MentoringSettings(
        database_url=fresh_db,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
        outbox_poll_interval_s=0.2,
    )


@pytest.fixture
async def app(settings: MentoringSettings, kafka_bootstrap: str) -> AsyncIterator[FastAPI]:
    """The mentoring app with its consumers moved to the end of their topics (the topics
    are shared by the test session)."""
    projections = [c.name for c in SPEC.every_consumer if ".projection." in c.name]
    await start_groups_at_the_end(
        kafka_bootstrap, projections, [REGISTRY_REGION, REGISTRY_KIM_STATE]
    )
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
def auth(settings: MentoringSettings) -> Callable[..., dict[str, str]]:
    """``auth("pelaku_umkm", sub="bu-sri", region="35.02")`` → headers with a valid token."""

    def make(*roles: str, **kwargs: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kwargs)

    return make


@pytest.fixture
async def registry(runtime: Runtime, kafka_bootstrap: str) -> Registry:
    """The registry's regions of Ponorogo and Madiun published and projected."""
    reg = Registry(kafka_bootstrap, runtime)
    await reg.publish_regions()
    return reg
