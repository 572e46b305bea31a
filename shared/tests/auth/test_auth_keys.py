"""Dev key pair on disk, key ids, and the production guarantees of the factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import ValidationError

from kim_shared.auth import (
    Unauthorized,
    create_token_verifier,
    dev_keys_enabled,
    load_or_create_dev_keys,
    rsa_thumbprint,
)
from kim_shared.auth.keys import load_public_key_file
from kim_shared.settings import ServiceSettings


def test_rfc7638_thumbprint_vector() -> None:
    # RFC 7638 section 3.1 example key and thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
        "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
        "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    key = RSAAlgorithm.from_jwk({"kty": "RSA", "n": n, "e": "AQAB"})
    assert isinstance(key, rsa.RSAPublicKey)
    assert rsa_thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_dev_keys_created_once_with_private_mode(tmp_path: Path) -> None:
    key_dir = tmp_path / "nested" / "dev-keys"
    first = load_or_create_dev_keys(key_dir)
    private = key_dir / "private.pem"
    assert private.stat().st_mode & 0o777 == 0o600
    assert load_public_key_file(key_dir / "public.pem").public_numbers() == (
        first.public_key.public_numbers()
    )

    second = load_or_create_dev_keys(key_dir)
    assert second.kid == first.kid == rsa_thumbprint(first.public_key)
    assert second.private_key.private_numbers() == first.private_key.private_numbers()
    assert [p.name for p in key_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_loose_private_key_mode_is_tightened(tmp_path: Path) -> None:
    load_or_create_dev_keys(tmp_path)
    os.chmod(tmp_path / "private.pem", 0o644)
    load_or_create_dev_keys(tmp_path)
    assert (tmp_path / "private.pem").stat().st_mode & 0o777 == 0o600


def test_no_key_source_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_AUTH_DEV_KEYS", "false")
    with pytest.raises(ValueError, match="KIM_AUTH_JWKS_URL"):
        create_token_verifier(ServiceSettings())


def test_production_settings_refuse_dev_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="KIM_AUTH_DEV_KEYS"):
        ServiceSettings()


def test_factory_ignores_dev_flag_in_production_even_if_forced(tmp_path: Path) -> None:
    forced = ServiceSettings.model_construct(
        environment="production", auth_dev_keys=True, auth_dev_key_dir=str(tmp_path / "k")
    )
    assert not dev_keys_enabled(forced)
    with pytest.raises(ValueError, match="no token key source"):
        create_token_verifier(forced)
    assert not (tmp_path / "k").exists()


async def test_production_with_pem_key_rejects_dev_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sign: Any, claims: Any
) -> None:
    idp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_file = tmp_path / "idp.pem"
    pem_file.write_bytes(
        idp_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    monkeypatch.setenv("KIM_AUTH_DEV_KEYS", "false")
    monkeypatch.setenv("KIM_AUTH_PUBLIC_KEY_FILE", str(pem_file))
    verifier = create_token_verifier(ServiceSettings())

    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(sign())  # dev-signed token, dev issuer

    idp_token = sign(key=idp_key, kid=rsa_thumbprint(idp_key.public_key()))
    assert (await verifier.verify(idp_token)).subject == "alice"
