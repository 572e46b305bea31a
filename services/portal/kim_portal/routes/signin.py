"""Sign in (development form or OIDC) and sign out."""

from __future__ import annotations

from typing import Annotated, Any

from authlib.integrations.base_client import OAuthError
from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.deps import Settings
from kim_portal.signin.dev import DevSignInRefused, dev_user, mint_dev
from kim_portal.signin.oidc import PROVIDER, user_from_tokens
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import Forbidden, SignInFailed
from kim_portal.web.session import ROLE_LABELS, sign_in, sign_out
from kim_portal.web.templating import render
from kim_shared.auth.errors import Unauthorized

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _safe_next(target: str | None) -> str:
    """Only paths of this portal (never ``//elsewhere`` or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _form(request: Request, settings: Any, *, status_code: int = 200, **extra: Any) -> Response:
    return render(
        request,
        "signin.html",
        {
            "dev": settings.dev_sign_in,
            "oidc": request.app.state.oauth is not None,
            "roles": ROLE_LABELS,
            "next": _safe_next(request.query_params.get("next")),
            "chosen": {"region": settings.default_kabupaten},
            **extra,
        },
        status_code=status_code,
    )


@router.get("/masuk")
async def sign_in_page(request: Request, settings: Settings) -> Response:
    return _form(request, settings)


@router.post("/masuk/dev")
async def dev_sign_in(
    request: Request,
    settings: Settings,
    subject: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[str, Form()],
    region: Annotated[str, Form(max_length=13)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    kim_ids: Annotated[str, Form(max_length=400)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not settings.dev_sign_in:
        raise Forbidden()
    chosen = {"subject": subject, "role": role, "region": region, "name": name, "kim": kim_ids}
    if role not in ROLE_LABELS:
        return _form(
            request, settings, error="Pilih peran yang tersedia.", chosen=chosen, status_code=422
        )
    ids = tuple(part.strip() for part in kim_ids.replace(",", " ").split() if part.strip())
    try:
        user, principal = dev_user(
            subject=subject.strip(),
            role=role,
            region=region.strip(),
            name=name.strip(),
            kim_ids=ids,
        )
        token = mint_dev(settings, principal)
    except ValueError:
        return _form(
            request,
            settings,
            error="Peran ini memerlukan kode wilayah yang sesuai (misalnya 35.02 untuk "
            "Kabupaten Ponorogo).",
            chosen=chosen,
            status_code=422,
        )
    except DevSignInRefused as exc:  # pragma: no cover - dev_sign_in checked above
        raise Forbidden() from exc
    sign_in(request, user, token)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/masuk/oidc")
async def oidc_start(request: Request) -> Response:
    oauth = request.app.state.oauth
    if oauth is None:
        raise Forbidden()
    client: Any = oauth.create_client(PROVIDER)
    request.session["next"] = _safe_next(request.query_params.get("next"))
    redirect: Response = await client.authorize_redirect(
        request, str(request.url_for("oidc_callback"))
    )
    return redirect


@router.get("/masuk/oidc/kembali", name="oidc_callback")
async def oidc_callback(request: Request, settings: Settings) -> Response:
    oauth = request.app.state.oauth
    if oauth is None:
        raise Forbidden()
    client: Any = oauth.create_client(PROVIDER)
    target = _safe_next(request.session.get("next"))
    try:
        tokens = await client.authorize_access_token(request)
        user, access = await user_from_tokens(oauth, settings, tokens)
    except (OAuthError, Unauthorized) as exc:
        raise SignInFailed() from exc
    sign_in(request, user, access)
    return RedirectResponse(target, status_code=303)


@router.post("/keluar")
async def sign_out_now(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/", status_code=303)
