"""Where the verifier finds RSA public keys, by ``kid``.

- :class:`StaticKeySource`: fixed keys (a configured PEM file, the dev key).
- :class:`JwksKeySource`: a JWKS endpoint (Keycloak's
  ``/realms/<realm>/protocol/openid-connect/certs``), cached for ``ttl``
  seconds; an unknown ``kid`` triggers a refresh at most once per
  ``min_refresh_interval`` so forged kids cannot hammer the identity provider.
- :class:`ChainKeySource`: asks several sources in order.

Every source answers ``None`` for an unknown ``kid``; :class:`AuthUnavailable`
means no keys could be obtained at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from kim_shared.auth.errors import AuthUnavailable

log = logging.getLogger(__name__)

JwksFetcher = Callable[[], Awaitable[Mapping[str, Any]]]
"""An async callable returning a JWKS document (``{"keys": [...]}``)."""

MAX_JWKS_BYTES = 1_000_000


class KeySource(Protocol):
    """Anything that can look up an RSA public key by ``kid``."""

    async def get_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The key for ``kid``, or ``None`` when this source does not know it."""
        ...


class StaticKeySource:
    """A fixed ``kid`` → key mapping."""

    def __init__(self, keys: Mapping[str, rsa.RSAPublicKey]) -> None:
        self._keys = dict(keys)

    async def get_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The configured key for ``kid``."""
        return self._keys.get(kid)


class ChainKeySource:
    """Ask each source in order; the first that knows the ``kid`` wins."""

    def __init__(self, sources: list[KeySource]) -> None:
        self._sources = list(sources)

    async def get_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The first key any source has for ``kid``."""
        for source in self._sources:
            key = await source.get_key(kid)
            if key is not None:
                return key
        return None


def parse_jwks(document: Mapping[str, Any]) -> dict[str, rsa.RSAPublicKey]:
    """The RS256 signing keys of a JWKS document by ``kid``; other entries are skipped."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ValueError("JWKS document has no 'keys' list")
    keys: dict[str, rsa.RSAPublicKey] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if (
            not isinstance(kid, str)
            or entry.get("kty") != "RSA"
            or entry.get("use", "sig") != "sig"
            or entry.get("alg", "RS256") != "RS256"
        ):
            continue
        try:
            key = RSAAlgorithm.from_jwk(entry)
        except (InvalidKeyError, ValueError, TypeError, KeyError):
            log.warning("skipping malformed JWKS entry kid=%s", kid)
            continue
        if isinstance(key, rsa.RSAPublicKey):
            keys[kid] = key
    return keys


def urllib_jwks_fetcher(url: str, *, timeout: float = 5.0) -> JwksFetcher:
    """A fetcher that GETs ``url`` (http/https only) in a worker thread."""
    if urlparse(url).scheme not in ("http", "https"):
        raise ValueError(f"JWKS URL must be http(s): {url!r}")

    def fetch_sync() -> Mapping[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
        if len(body) > MAX_JWKS_BYTES:
            raise ValueError("JWKS document is too large")
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError("JWKS document is not a JSON object")
        return document

    async def fetch() -> Mapping[str, Any]:
        return await asyncio.to_thread(fetch_sync)

    return fetch


class JwksKeySource:
    """Keys from a JWKS endpoint, cached, refreshed on expiry or (rate-limited) unknown kid."""

    def __init__(
        self,
        fetch: JwksFetcher,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._keys: dict[str, rsa.RSAPublicKey] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> JwksKeySource:
        """A source fetching ``url`` with :func:`urllib_jwks_fetcher`."""
        return cls(urllib_jwks_fetcher(url), **kwargs)

    async def _refresh(self) -> dict[str, rsa.RSAPublicKey]:
        """Fetch the JWKS; on failure keep the last good keys, or raise if there are none."""
        self._attempted_at = self._clock()
        try:
            keys = parse_jwks(await self._fetch())
        except Exception as exc:
            log.warning("JWKS fetch failed: %s", exc)
            if self._keys is None:
                raise _unavailable() from exc
            return self._keys
        self._keys = keys
        self._fetched_at = self._attempted_at
        return keys

    def _may_refresh(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval

    async def get_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The key for ``kid``, fetching the JWKS when stale or when ``kid`` is new."""
        async with self._lock:
            keys = self._keys
            if keys is None:
                if not self._may_refresh(self._clock()):
                    raise _unavailable()
                keys = await self._refresh()
            elif self._clock() - self._fetched_at >= self._ttl and self._may_refresh(self._clock()):
                keys = await self._refresh()
            key = keys.get(kid)
            if key is None and self._may_refresh(self._clock()):
                key = (await self._refresh()).get(kid)
            return key


def _unavailable() -> AuthUnavailable:
    return AuthUnavailable(
        "The signing keys of the identity provider are unavailable; try again later."
    )
