"""HTTP routes (filled in by the regions work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
