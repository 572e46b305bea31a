"""JWKS key source: caching, refresh on unknown kid (rate-limited), outages, real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kim_shared.auth import (
    AuthUnavailable,
    JwksKeySource,
    Principal,
    TokenVerifier,
    Unauthorized,
    create_token_verifier,
    parse_jwks,
)
from kim_shared.auth.keys import public_jwk
from kim_shared.auth.keysources import urllib_jwks_fetcher
from kim_shared.settings import ServiceSettings

ISSUER = "https://sso.jatimprov.example/realms/kim"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def idp_keys() -> dict[str, rsa.RSAPrivateKey]:
    return {"k1": new_key(), "k2": new_key()}


class StubIdP:
    """Serves a mutable JWKS and counts fetches."""

    def __init__(self, keys: Mapping[str, rsa.RSAPrivateKey]) -> None:
        self.served: dict[str, rsa.RSAPrivateKey] = dict(keys)
        self.fetches = 0
        self.down = False

    def document(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k.public_key(), kid) for kid, k in self.served.items()]}

    async def fetch(self) -> Mapping[str, Any]:
        self.fetches += 1
        if self.down:
            raise OSError("connection refused")
        return self.document()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def idp_settings(monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    """Production-like settings: Keycloak JWKS only, no dev keys."""
    monkeypatch.setenv("KIM_AUTH_ISSUER", ISSUER)
    monkeypatch.setenv("KIM_AUTH_JWKS_URL", f"{ISSUER}/protocol/openid-connect/certs")
    monkeypatch.setenv("KIM_AUTH_DEV_KEYS", "false")
    return ServiceSettings()


def idp_token(sign: Any, claims: Any, key: rsa.RSAPrivateKey, kid: str) -> str:
    return str(sign(claims(iss=ISSUER), key=key, kid=kid))


async def test_jwks_verifier_from_settings(
    idp_keys: dict[str, rsa.RSAPrivateKey],
    idp_settings: ServiceSettings,
    sign: Any,
    claims: Any,
) -> None:
    idp = StubIdP({"k1": idp_keys["k1"]})
    verifier = create_token_verifier(idp_settings, jwks_fetcher=idp.fetch)

    principal = await verifier.verify(idp_token(sign, claims, idp_keys["k1"], "k1"))

    assert principal.subject == "alice"
    assert idp.fetches == 1
    await verifier.verify(idp_token(sign, claims, idp_keys["k1"], "k1"))
    assert idp.fetches == 1  # cached


async def test_dev_tokens_not_accepted_when_only_jwks_is_configured(
    idp_keys: dict[str, rsa.RSAPrivateKey],
    idp_settings: ServiceSettings,
    sign: Any,
    claims: Any,
) -> None:
    idp = StubIdP({"k1": idp_keys["k1"]})
    verifier = create_token_verifier(idp_settings, jwks_fetcher=idp.fetch)
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(sign(claims(iss=ISSUER)))


async def test_unknown_kid_refreshes_once_then_rate_limits(
    idp_keys: dict[str, rsa.RSAPrivateKey], sign: Any, claims: Any
) -> None:
    idp = StubIdP({"k1": idp_keys["k1"]})
    clock = FakeClock()
    source = JwksKeySource(idp.fetch, ttl=300, min_refresh_interval=10, clock=clock)
    verifier = TokenVerifier(source, issuer=ISSUER, audience="kim-platform")
    await verifier.verify(idp_token(sign, claims, idp_keys["k1"], "k1"))
    assert idp.fetches == 1

    # Key rotation: k2 appears at the IdP; the first k2 token forces a refresh...
    idp.served["k2"] = idp_keys["k2"]
    clock.now += 11
    assert (await verifier.verify(idp_token(sign, claims, idp_keys["k2"], "k2"))).subject
    assert idp.fetches == 2

    # ...but a flood of forged kids does not hammer the IdP.
    for _ in range(5):
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(idp_token(sign, claims, idp_keys["k2"], "forged"))
    assert idp.fetches == 2
    clock.now += 11
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(idp_token(sign, claims, idp_keys["k2"], "forged"))
    assert idp.fetches == 3


async def test_ttl_expiry_refetches(idp_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    idp = StubIdP(idp_keys)
    clock = FakeClock()
    source = JwksKeySource(idp.fetch, ttl=60, min_refresh_interval=5, clock=clock)
    assert await source.get_key("k1") is not None
    clock.now += 30
    assert await source.get_key("k1") is not None
    assert idp.fetches == 1
    clock.now += 31
    assert await source.get_key("k1") is not None
    assert idp.fetches == 2


async def test_outage_without_cache_is_503(idp_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    idp = StubIdP(idp_keys)
    idp.down = True
    source = JwksKeySource(idp.fetch, clock=FakeClock())
    with pytest.raises(AuthUnavailable) as caught:
        await source.get_key("k1")
    assert caught.value.status == 503
    with pytest.raises(AuthUnavailable):
        await source.get_key("k1")
    assert idp.fetches == 1  # retries are rate-limited too


async def test_outage_keeps_last_good_keys(idp_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    idp = StubIdP(idp_keys)
    clock = FakeClock()
    source = JwksKeySource(idp.fetch, ttl=60, min_refresh_interval=5, clock=clock)
    assert await source.get_key("k1") is not None
    idp.down = True
    clock.now += 120
    assert await source.get_key("k1") is not None
    assert idp.fetches == 2


def test_parse_jwks_keeps_only_rs256_signing_keys(idp_keys: dict[str, rsa.RSAPrivateKey]) -> None:
    good = public_jwk(idp_keys["k1"].public_key(), "good")
    document = {
        "keys": [
            good,
            {**public_jwk(idp_keys["k2"].public_key(), "enc"), "use": "enc"},
            {**public_jwk(idp_keys["k2"].public_key(), "ps"), "alg": "PS256"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {"kty": "RSA", "n": good["n"], "e": good["e"]},
            "junk",
        ]
    }
    assert set(parse_jwks(document)) == {"good"}
    with pytest.raises(ValueError, match="keys"):
        parse_jwks({"nope": []})


@pytest.fixture
def jwks_server(idp_keys: dict[str, rsa.RSAPrivateKey]) -> Iterator[tuple[str, list[str]]]:
    """A real local HTTP server serving the JWKS of ``k1``; yields (url, request log)."""
    body = json.dumps(StubIdP({"k1": idp_keys["k1"]}).document()).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/certs", requests
    finally:
        server.shutdown()
        server.server_close()


async def test_jwks_over_http(
    jwks_server: tuple[str, list[str]],
    idp_keys: dict[str, rsa.RSAPrivateKey],
    sign: Any,
    claims: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, requests = jwks_server
    monkeypatch.setenv("KIM_AUTH_JWKS_URL", url)
    monkeypatch.setenv("KIM_AUTH_ISSUER", ISSUER)
    monkeypatch.setenv("KIM_AUTH_DEV_KEYS", "false")
    verifier = create_token_verifier(ServiceSettings())

    principal = await verifier.verify(idp_token(sign, claims, idp_keys["k1"], "k1"))

    assert principal == Principal(
        subject="alice", roles=frozenset({"operator_kabupaten"}), region_scope="35.02"
    )
    assert requests == ["/certs"]


def test_fetcher_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        urllib_jwks_fetcher("file:///etc/passwd")
