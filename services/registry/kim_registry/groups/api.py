"""HTTP routes (filled in by the groups work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
