"""HTTP routes (filled in by the coverage work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
