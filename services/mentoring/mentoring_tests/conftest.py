"""Fixtures of the mentoring tests (the trainings' fixtures live in ``trainings_support``)."""

from __future__ import annotations

from .trainings_support import (  # noqa: F401  (fixtures, found by name)
    trn_app,
    trn_auth,
    trn_http,
    trn_registry,
    trn_runtime,
    trn_settings,
)
