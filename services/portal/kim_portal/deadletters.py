"""The operators' dead-letter overview, asked of the four services: each lists what its own
consumers dead-lettered (``GET /dead-letters``, with the operator's token, so each service
applies its own access and region rules). The portal reads no Kafka. Only where a letter
came from and why it failed is shown, never its payload; replaying stays with
``kim dlq replay``. A service that cannot answer is shown with its problem's message, the
others still are."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kim_portal.clients.base import ApiProblem

SHOWN_PER_SERVICE = 20
SERVICE_LABELS = {
    "registry": "Registri KIM",
    "content": "Konten berita",
    "marketplace": "Pasar UMKM",
    "mentoring": "Pendampingan",
}

Lister = Callable[..., Awaitable[Any]]
"""A service client's ``dead_letters(token, limit=…, pending=…)``."""


@dataclass(frozen=True)
class ServiceLetters:
    """One service's pending dead letters, or why it could not list them."""

    service: str
    label: str
    letters: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    """More are pending than are shown (the service's ``truncated``)."""
    error: str | None = None


@dataclass(frozen=True)
class Overview:
    services: list[ServiceLetters]

    @property
    def pending(self) -> int:
        return sum(len(s.letters) for s in self.services)

    @property
    def more(self) -> bool:
        return any(s.more for s in self.services)


async def _one(service: str, listing: Lister, token: str) -> ServiceLetters:
    label = SERVICE_LABELS.get(service, service)
    try:
        page = await listing(token, limit=SHOWN_PER_SERVICE, pending=True)
    except ApiProblem as problem:
        if problem.status == 401:  # the session's token expired: sign in again
            raise
        return ServiceLetters(service, label, error=problem.message)
    return ServiceLetters(service, label, list(page["items"]), bool(page["truncated"]))


async def overview(listings: Mapping[str, Lister], token: str) -> Overview:
    """Each service's pending dead letters, asked concurrently."""
    found = await asyncio.gather(*(_one(name, fn, token) for name, fn in listings.items()))
    return Overview(list(found))
