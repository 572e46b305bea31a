"""The portal's own errors and how every error becomes a page: a service's problem shown as
its message in plain words, never a stack trace."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.web.session import sign_out
from kim_portal.web.templating import render

log = logging.getLogger(__name__)

HEADINGS = {
    400: "Permintaan tidak dapat diproses",
    401: "Perlu masuk",
    403: "Akses ditolak",
    404: "Halaman tidak ditemukan",
    409: "Terjadi benturan perubahan",
    412: "Data sudah berubah",
    422: "Isian belum benar",
    429: "Terlalu banyak permintaan",
    500: "Terjadi kesalahan",
    503: "Layanan sedang tidak tersedia",
}


class PortalError(Exception):
    status = 400
    message = "Permintaan tidak dapat diproses."


class Forbidden(PortalError):
    status = 403
    message = "Peran Anda tidak diizinkan membuka halaman ini."


class CsrfRefused(PortalError):
    status = 403
    message = (
        "Formulir ini tidak dapat diterima karena token keamanannya tidak cocok. "
        "Muat ulang halaman lalu coba lagi."
    )


class SignInRequired(PortalError):
    status = 401
    message = "Silakan masuk terlebih dahulu."


class SignInFailed(PortalError):
    status = 400
    message = "Masuk gagal: jawaban layanan SSO tidak dapat diterima. Silakan coba masuk lagi."


class NotFound(PortalError):
    status = 404
    message = "Halaman yang Anda cari tidak ada."


def uuid_or_404(value: str) -> str:
    """A path's id in canonical form; anything that is not a UUID names no page."""
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise NotFound() from exc


def heading(status: int) -> str:
    return HEADINGS.get(status, HEADINGS[500] if status >= 500 else HEADINGS[400])


def error_page(request: Request, status: int, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "heading": heading(status), "message": message},
        status_code=status,
    )


def _sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/masuk?next={quote(target)}", status_code=303)


async def _portal_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalError)
    if isinstance(exc, SignInRequired):
        return _sign_in_redirect(request)
    return error_page(request, exc.status, exc.message)


async def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    if exc.status == 401:  # the token expired or was refused: sign in again
        sign_out(request)
        return _sign_in_redirect(request)
    status = exc.status if 400 <= exc.status < 600 else 502
    return error_page(request, status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = NotFound.message if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_page(request, 500, "Maaf, terjadi kesalahan di portal. Silakan coba lagi.")


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(PortalError, _portal_error)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
