"""Fixtures for the auth kit tests: isolated settings, a dev key pair, token builders."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import base64url_encode

from kim_shared.auth import DevKeyPair, load_or_create_dev_keys

ISSUER = "kim-dev-local"
AUDIENCE = "kim-platform"

Signer = Callable[..., str]

_AUTH_ENV = (
    "KIM_ENVIRONMENT",
    "KIM_AUTH_ISSUER",
    "KIM_AUTH_AUDIENCE",
    "KIM_AUTH_JWKS_URL",
    "KIM_AUTH_PUBLIC_KEY_FILE",
    "KIM_AUTH_DEV_KEYS",
    "KIM_AUTH_DEV_KEY_DIR",
)


@pytest.fixture(scope="session")
def shared_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dev key directory for the session (RSA generation is slow-ish)."""
    path = tmp_path_factory.mktemp("dev-keys")
    load_or_create_dev_keys(path)
    return path


@pytest.fixture(autouse=True)
def auth_env(monkeypatch: pytest.MonkeyPatch, shared_key_dir: Path) -> None:
    """Isolate every test from the caller's KIM_* auth environment."""
    for name in _AUTH_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIM_AUTH_DEV_KEY_DIR", str(shared_key_dir))


@pytest.fixture
def dev_keys(shared_key_dir: Path) -> DevKeyPair:
    """The dev key pair the default settings trust."""
    return load_or_create_dev_keys(shared_key_dir)


@pytest.fixture(scope="session")
def stranger_key() -> rsa.RSAPrivateKey:
    """An RSA key nobody trusts."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _base_claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for an operator of kabupaten 35.02; ``None`` values remove a claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "iat": now,
        "exp": now + 600,
        "roles": ["operator_kabupaten"],
        "kim_region": "35.02",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.fixture
def sign(dev_keys: DevKeyPair) -> Signer:
    """Sign claims RS256 with the dev key (or ``key``/``kid`` given)."""

    def _sign(
        claims: dict[str, Any] | None = None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = "__dev__",
        **overrides: Any,
    ) -> str:
        payload = claims if claims is not None else _base_claims(**overrides)
        headers = {} if kid is None else {"kid": dev_keys.kid if kid == "__dev__" else kid}
        return jwt.encode(payload, key or dev_keys.private_key, algorithm="RS256", headers=headers)

    return _sign


def _b64(data: bytes) -> str:
    return base64url_encode(data).decode()


def _hand_made_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """Build a JWT by hand: ``alg=none`` when ``secret`` is None, else HMAC-SHA256."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    if secret is None:
        return signing_input + "."
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(mac)


@pytest.fixture
def claims() -> Callable[..., dict[str, Any]]:
    """Build valid claims with overrides (``None`` removes a claim)."""
    return _base_claims


@pytest.fixture
def hand_made_token() -> Callable[[dict[str, Any], dict[str, Any], bytes | None], str]:
    """Forge tokens PyJWT refuses to make (``alg=none``, HS256 keyed with a PEM)."""
    return _hand_made_token
