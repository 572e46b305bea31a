"""Composition root of the registry service.

Run with ``uvicorn --factory kim_registry.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_registry
from kim_registry.coverage.api import router as coverage_router
from kim_registry.evaluation.api import router as evaluation_router
from kim_registry.evaluation.consumers import CONSUMERS
from kim_registry.groups.api import router as groups_router
from kim_registry.regions.api import router as regions_router
from kim_registry.settings import RegistrySettings
from kim_shared.events.types.registry import REGISTRY_EVENTS
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="registry",
    title="KIM Registry",
    description=(kim_registry.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
    routers=(regions_router, evaluation_router, groups_router, coverage_router),
    publishes=REGISTRY_EVENTS,
    consumers=CONSUMERS,
)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or RegistrySettings())
