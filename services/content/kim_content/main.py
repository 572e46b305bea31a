"""Composition root of the content service.

Run with ``uvicorn --factory kim_content.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_content
from kim_content.settings import ContentSettings
from kim_shared.projections import KIM, REGIONS
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="content",
    title="KIM Content",
    description=(kim_content.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
    projections=(REGIONS, KIM),
)


def create_app(settings: ContentSettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or ContentSettings())
