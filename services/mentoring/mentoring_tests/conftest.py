"""Fixtures for the mentoring tests: the kit's service fixtures (the service on the real
broker and a fresh database, tokens, a stand-in registry publishing Ponorogo and Madiun and
their KIM on the real state topics)."""

from __future__ import annotations

from typing import Any

import pytest

from kim_devstack.service_fixtures import (  # noqa: F401  (fixtures, found by name)
    app,
    auth,
    http,
    registry,
    runtime,
    settings,
)

from .trainings_support import BASE_URL


@pytest.fixture
def service_name() -> str:
    return "mentoring"


@pytest.fixture
def service_overrides() -> dict[str, Any]:
    return {"public_base_url": BASE_URL}  # what certificates' QR codes point at
