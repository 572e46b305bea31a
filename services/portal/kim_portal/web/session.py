"""Who is signed in: kept in the signed session cookie (Starlette's SessionMiddleware:
signed with itsdangerous, HttpOnly, SameSite=Lax). The cookie holds the service token and
the claims the pages need; the services verify the token on every call."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import Request

from kim_shared.auth.principal import NATIONWIDE_ROLES

USER_KEY = "user"
TOKEN_KEY = "token"
CSRF_KEY = "csrf"

ROLE_LABELS: Mapping[str, str] = {
    "anggota_kim": "Anggota KIM (jurnalis desa)",
    "pengelola_kim": "Pengelola KIM",
    "moderator": "Moderator",
    "operator_kabupaten": "Operator Diskominfo kabupaten",
    "admin_provinsi": "Admin Diskominfo provinsi",
    "pendamping": "Pendamping (tenaga ahli)",
    "pelaku_umkm": "Pelaku UMKM",
}


@dataclass(frozen=True)
class User:
    """The signed-in person, as the pages need it."""

    subject: str
    roles: tuple[str, ...]
    region: str | None = None
    name: str | None = None
    kim_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def display(self) -> str:
        return self.name or self.subject

    @property
    def kabupaten(self) -> str | None:
        """The kabupaten of the region scope (``35.02`` of ``35.02.01``), if any."""
        if self.region is None or len(self.region) < 5:
            return None
        return self.region[:5]

    def has(self, roles: frozenset[str]) -> bool:
        return bool(roles & set(self.roles))

    @property
    def nationwide(self) -> bool:
        return set(self.roles) <= NATIONWIDE_ROLES

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> User:
        return cls(
            subject=str(data["subject"]),
            roles=tuple(data.get("roles") or ()),
            region=data.get("region"),
            name=data.get("name"),
            kim_ids=tuple(data.get("kim_ids") or ()),
        )


def current_user(request: Request) -> User | None:
    data = request.session.get(USER_KEY)
    if not isinstance(data, Mapping):
        return None
    try:
        return User.from_session(data)
    except (KeyError, TypeError):
        return None


def current_token(request: Request) -> str | None:
    token = request.session.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def sign_in(request: Request, user: User, token: str) -> None:
    """Start a new session for ``user`` (the old one, and its CSRF token, are dropped)."""
    request.session.clear()
    request.session[USER_KEY] = {**asdict(user), "roles": list(user.roles)}
    request.session[USER_KEY]["kim_ids"] = list(user.kim_ids)
    request.session[TOKEN_KEY] = token


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (a new session gets a new one)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token
