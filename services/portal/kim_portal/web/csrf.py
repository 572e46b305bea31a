"""CSRF protection: a synchronizer token kept in the signed session and sent back by every
form (hidden field ``csrf_token``) or script (header ``X-CSRF-Token``). Writes without the
session's token are refused with a 403 page, before anything reaches a service."""

from __future__ import annotations

import secrets

from fastapi import Request

from kim_portal.web.errors import CsrfRefused
from kim_portal.web.session import CSRF_KEY as SESSION_KEY

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def verify_csrf(request: Request) -> None:
    """Dependency of every router: a write must carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfRefused()
