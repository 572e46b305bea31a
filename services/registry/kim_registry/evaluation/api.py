"""HTTP routes (filled in by the evaluation work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
