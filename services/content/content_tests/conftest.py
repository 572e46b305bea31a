"""Fixtures for the content service's tests: the kit's service fixtures (the service on
the real broker and a fresh database, tokens, a stand-in registry publishing Ponorogo and
Madiun and their KIM on the real state topics) and a reader of moderation decisions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from kim_devstack.service_fixtures import (  # noqa: F401  (fixtures, found by name)
    app,
    auth,
    http,
    registry,
    runtime,
    settings,
)

from .listings_support import Decisions


@pytest.fixture
def service_name() -> str:
    return "content"


@pytest.fixture
def service_overrides() -> dict[str, Any]:
    return {"scheduler_interval_s": 3600}  # tests publish due articles themselves


@pytest.fixture
async def decisions(app: FastAPI, kafka_bootstrap: str) -> Decisions:  # noqa: F811
    return await Decisions(kafka_bootstrap).mark()
