"""``/healthz`` (the process answers) and ``/readyz`` (it can serve pages: its assets are
there). The services' health is not the portal's: a page whose service is down says so."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

router = APIRouter()


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    assets = Path(request.app.state.settings.assets_dir) / "htmx.org" / "dist" / "htmx.min.js"
    if not assets.is_file():
        return JSONResponse({"status": "unavailable", "missing": "htmx"}, status_code=503)
    return JSONResponse({"status": "ok"})
