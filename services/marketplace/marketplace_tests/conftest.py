"""Fixtures for the marketplace tests: the kit's service fixtures (the service on the real
broker and a fresh database, tokens, a stand-in registry publishing Ponorogo and Madiun and
their KIM on the real state topics)."""

from __future__ import annotations

import pytest

from kim_devstack.service_fixtures import (  # noqa: F401  (fixtures, found by name)
    app,
    auth,
    http,
    registry,
    runtime,
    service_overrides,
    settings,
)


@pytest.fixture
def service_name() -> str:
    return "marketplace"
