"""The HTTP client every service client uses: JSON in and out, problem+json turned into
:class:`ApiProblem`, a brief cache of anonymous reads, and the caller's token passed on."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from kim_portal.clients.problem_texts import indonesian, slug_of

JSON = Any


@dataclass(frozen=True)
class FieldIssue:
    """One field a service refused, with its message."""

    field: str
    message: str


@dataclass
class ApiProblem(Exception):
    """A service answered with an error (RFC 9457 problem, or none at all)."""

    status: int
    title: str
    detail: str | None = None
    issues: list[FieldIssue] = field(default_factory=list)
    service: str = ""
    slug: str | None = None
    """The KIM problem type's last segment (``validation-error``), if it has one."""

    def __str__(self) -> str:
        return f"{self.service}: {self.status} {self.title}: {self.detail or ''}"

    @property
    def for_the_form(self) -> bool:
        """A refusal the person can act on where they are (a 4xx other than 401): shown on
        the form. A 401 means signing in again, a 5xx the error page."""
        return 400 <= self.status < 500 and self.status != 401

    @property
    def message(self) -> str:
        """What went wrong, never a stack trace: the portal's Indonesian sentence for the
        problem type, then the service's own words (they name the holiday, the missing
        pengurus, the product); when field issues are listed with it, only the sentence."""
        said = self.detail or self.title
        known = indonesian(self.slug)
        if known is None:
            return said
        if self.issues:
            return known
        return f"{known} Keterangan layanan: {said}"


class ServiceUnavailable(ApiProblem):
    """The service could not be reached at all."""


def _issues(body: Mapping[str, Any]) -> list[FieldIssue]:
    found: list[FieldIssue] = []
    for entry in body.get("errors") or []:
        if not isinstance(entry, Mapping):
            continue
        where = str(entry.get("field") or "")
        where = where.removeprefix("body.").removeprefix("query.")
        found.append(FieldIssue(where, str(entry.get("message") or "")))
    return found


def problem_from(response: httpx.Response, service: str) -> ApiProblem:
    """The :class:`ApiProblem` of an error answer (problem+json or anything else)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        return ApiProblem(
            status=response.status_code,
            title=str(body.get("title") or response.reason_phrase),
            detail=str(body["detail"]) if body.get("detail") else None,
            issues=_issues(body),
            service=service,
            slug=slug_of(body.get("type")),
        )
    return ApiProblem(status=response.status_code, title=response.reason_phrase, service=service)


@dataclass
class _Cached:
    expires: float
    body: JSON


class ServiceClient:
    """Calls one service. Anonymous GETs are cached for ``cache_s`` seconds."""

    def __init__(self, name: str, http: httpx.AsyncClient, *, cache_s: float = 0.0) -> None:
        self.name = name
        self._http = http
        self._cache_s = cache_s
        self._cache: dict[str, _Cached] = {}

    async def get(
        self, path: str, *, token: str | None = None, params: Mapping[str, Any] | None = None
    ) -> JSON:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        key = str(httpx.URL(path, params=clean))
        cacheable = token is None and self._cache_s > 0
        if cacheable:
            hit = self._cache.get(key)
            if hit is not None and hit.expires > time.monotonic():
                return hit.body
        body = await self._send("GET", path, token=token, params=clean)
        if cacheable:
            if len(self._cache) > 512:
                self._cache.clear()
            self._cache[key] = _Cached(time.monotonic() + self._cache_s, body)
        return body

    async def send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        json: JSON = None,
        headers: Mapping[str, str] | None = None,
    ) -> JSON:
        return await self._send(method, path, token=token, json=json, headers=headers)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None = None,
        json: JSON = None,
        headers: Mapping[str, str] | None = None,
    ) -> JSON:
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http.request(
                method, path, params=params, json=json, headers=sent
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(
                status=503,
                title="Service Unavailable",
                detail=f"Layanan {self.name} tidak dapat dihubungi saat ini.",
                service=self.name,
            ) from exc
        if response.status_code >= 400:
            raise problem_from(response, self.name)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


class ServiceApi:
    """What every service's client shares: its HTTP client, and the kit's routes that every
    service serves (``GET /dead-letters``)."""

    def __init__(self, client: ServiceClient) -> None:
        self.api = client

    async def dead_letters(self, token: str, *, limit: int, pending: bool) -> JSON:
        """The dead letters of this service's consumers (staff only)."""
        return await self.api.get(
            "/dead-letters", token=token, params={"limit": limit, "pending": str(pending).lower()}
        )
