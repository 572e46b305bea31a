"""Composition root of the registry service.

Run with ``uvicorn --factory kim_registry.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_registry
from kim_registry.settings import RegistrySettings
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="registry",
    title="KIM Registry",
    description=(kim_registry.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or RegistrySettings())
