"""What the journey needs from the platform: one HTTP client per service, a way to get a
token for a role, a place to say what happened, and patience for what travels by Kafka."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


class Tokens(Protocol):
    def __call__(
        self, *roles: str, sub: str, region: str | None = None, name: str | None = None
    ) -> dict[str, str]:
        """``Authorization`` header for a login with ``roles``."""
        ...


class JourneyFailed(AssertionError):
    """A step did not do what the platform promises; the message says which, in Indonesian."""


@dataclass
class Platform:
    registry: httpx.AsyncClient
    content: httpx.AsyncClient
    marketplace: httpx.AsyncClient
    mentoring: httpx.AsyncClient
    token: Tokens
    say: Callable[[str], None] = print
    #: How long an effect may take to travel through Kafka to another service.
    within: float = 90.0
    created: dict[str, str] = field(default_factory=dict)
    #: Every NIK, phone number and name the journey typed: none may appear in an event.
    personal: set[str] = field(default_factory=set)

    def note(self, what: str, value: Any) -> str:
        self.created[what] = str(value)
        return str(value)

    async def until(self, check: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Poll ``check`` until it returns something truthy; fail after ``within`` seconds."""
        deadline = time.monotonic() + self.within
        delay = 0.1
        while True:
            got = await check()
            if got:
                return got
            if time.monotonic() > deadline:
                raise JourneyFailed(f"tidak terjadi dalam {self.within:.0f} detik: {what}")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    async def accepted(
        self, call: Callable[[], Awaitable[httpx.Response]], what: str, expected: int = 201
    ) -> Any:
        """Repeat ``call`` while the service still refuses it with 403/404/422 because an
        event it needs (a KIM turned aktif, a region) has not reached it yet."""
        last: list[httpx.Response] = []

        async def attempt() -> Any:
            r = await call()
            if r.status_code in (403, 404, 422):
                last[:] = [r]
                return None
            return ok(r, expected)

        try:
            return await self.until(attempt, what)
        except JourneyFailed:
            if last:
                ok(last[0], expected)  # fails with the service's own words
            raise


def ok(r: httpx.Response, *expected: int) -> Any:
    """The JSON body of a successful answer; a problem+json answer fails with its detail."""
    if r.status_code not in (expected or (200, 201)):
        try:
            detail = r.json().get("detail") or r.text
        except ValueError:
            detail = r.text
        raise JourneyFailed(
            f"{r.request.method} {r.request.url.path} menjawab {r.status_code}: {detail}"
        )
    return r.json() if r.content else None
