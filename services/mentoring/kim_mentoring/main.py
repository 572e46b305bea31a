"""Composition root of the mentoring service.

Run with ``uvicorn --factory kim_mentoring.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_mentoring
from kim_mentoring.certificates.api import router as certificates_router
from kim_mentoring.experts.api import router as experts_router
from kim_mentoring.proactive.api import router as proactive_router
from kim_mentoring.proactive.consumers import CONSUMERS as PROACTIVE_CONSUMERS
from kim_mentoring.requests.api import router as requests_router
from kim_mentoring.scheduling.api import router as scheduling_router
from kim_mentoring.settings import MentoringSettings
from kim_mentoring.trainings.api import router as trainings_router
from kim_shared.events.types.activity import HelpRequestResolved, TrainingAttended
from kim_shared.events.types.mentoring import MENTORING_EVENTS
from kim_shared.events.types.mentoring_trainings import TRAINING_EVENTS
from kim_shared.projections import KIM, REGIONS
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="mentoring",
    title="KIM Mentoring",
    description=(kim_mentoring.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
    routers=(
        experts_router,
        requests_router,
        scheduling_router,
        trainings_router,
        certificates_router,
        proactive_router,
    ),
    publishes=(HelpRequestResolved, TrainingAttended, *MENTORING_EVENTS, *TRAINING_EVENTS),
    consumers=PROACTIVE_CONSUMERS,
    projections=(REGIONS, KIM),
)


def create_app(settings: MentoringSettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or MentoringSettings())
