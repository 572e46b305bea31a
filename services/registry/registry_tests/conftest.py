"""Fixtures for the registry's tests: the kit's service fixtures (the service running on the
real broker and a fresh database, tokens for each role) and Kabupaten Ponorogo's regions."""

from __future__ import annotations

import pytest

from kim_devstack.service_fixtures import (  # noqa: F401  (fixtures, found by name)
    app,
    auth,
    http,
    runtime,
    service_overrides,
    settings,
)
from kim_registry.regions.importer import ImportResult, import_regions
from kim_shared.service import Runtime

PONOROGO = "35.02"
MADIUN = "35.19"  # a neighbouring kabupaten: another tenant


@pytest.fixture
def service_name() -> str:
    return "registry"


@pytest.fixture
async def ponorogo(runtime: Runtime) -> ImportResult:  # noqa: F811
    """Kabupaten Ponorogo and Kabupaten Madiun imported (their events staged in the outbox)."""
    await import_regions(runtime.pool, MADIUN, runtime.source)
    return await import_regions(runtime.pool, PONOROGO, runtime.source)
