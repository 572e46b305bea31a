"""Response headers every page gets: everything is served by the portal itself, so the
content security policy allows this origin only (and wa.me is reached by a link)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    b"content-security-policy": (
        b"default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
        b"script-src 'self'; form-action 'self' https://wa.me https://api.whatsapp.com; "
        b"frame-ancestors 'none'; "
        b"base-uri 'self'"
    ),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in HEADERS.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add)
