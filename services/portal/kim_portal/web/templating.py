"""Jinja2 templates (autoescaped) with what every page needs: the signed-in user, the CSRF
token, the navigation for the user's roles and Indonesian dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from lokal.samaran import partial_mask
from starlette.responses import Response

from kim_portal.web.session import ROLE_LABELS, User, csrf_token, current_user
from kim_shared.clock import WIB, long_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def tanggal(value: str | None, with_time: bool = False) -> str:
    """``2026-12-01T07:05:00Z`` → ``1 Desember 2026`` (or ``… 14.05 WIB``), in WIB."""
    if not value:
        return "-"
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return long_date(day)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(WIB)
    except ValueError:
        return value
    text = long_date(moment.date())
    return f"{text} {moment:%H.%M} WIB" if with_time else text


def masked_nik(value: str, masked: bool = False) -> str:
    """A NIK as pages show it: ``3502********0005`` (the registry may have masked it)."""
    if masked or not value.isdigit():
        return value
    shown: str = partial_mask("NIK", value)
    return shown


def navigation(user: User | None) -> list[tuple[str, str]]:
    """(path, label) of the areas the user's roles may open."""
    links = [("/", "Beranda"), ("/kim", "Direktori KIM"), ("/produk", "Produk UMKM")]
    links.append(("/sertifikat", "Cek sertifikat"))
    if user is None:
        return links
    if user.has(frozenset({"anggota_kim", "pengelola_kim"})):
        links.append(("/kerja", "Ruang kerja"))
    if user.has(frozenset({"pelaku_umkm"})):
        links.append(("/usaha", "Usaha saya"))
    if user.has(frozenset({"moderator", "operator_kabupaten"})):
        links.append(("/moderasi", "Moderasi"))
    if user.has(frozenset({"operator_kabupaten", "admin_provinsi"})):
        links.append(("/operator", "Diskominfo"))
    return links


def create_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["tanggal"] = tanggal
    templates.env.filters["nik"] = masked_nik
    templates.env.globals["role_labels"] = ROLE_LABELS
    return templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    user = current_user(request)
    page = {
        "user": user,
        "nav": navigation(user),
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, page, status_code=status_code)
