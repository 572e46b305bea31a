"""TokenVerifier: a valid RS256 token passes, every forged or stale one is a 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kim_shared.auth import (
    DevKeyPair,
    Principal,
    TokenVerifier,
    Unauthorized,
    create_token_verifier,
)
from kim_shared.settings import ServiceSettings

Claims = Callable[..., dict[str, Any]]


@pytest.fixture
def verifier() -> TokenVerifier:
    return create_token_verifier(ServiceSettings())


async def test_valid_token_yields_principal(verifier: TokenVerifier, sign: Any) -> None:
    token = sign(
        sub="alice",
        roles=["operator_kabupaten", "offline_access"],
        realm_access={"roles": ["moderator", "default-roles-kim"]},
        kim_region="35.02",
        kim_ids=["kim-7", "kim-9"],
        name="Alice Wulandari",
    )

    principal = await verifier.verify(token)

    assert principal == Principal(
        subject="alice",
        roles=frozenset({"operator_kabupaten", "moderator"}),
        region_scope="35.02",
        name="Alice Wulandari",
        kim_ids=("kim-7", "kim-9"),
    )


async def test_small_clock_skew_is_tolerated(
    verifier: TokenVerifier, sign: Any, claims: Claims
) -> None:
    token = sign(claims(exp=int(claims()["iat"]) - 5))
    assert (await verifier.verify(token)).subject == "alice"


async def _rejected(verifier: TokenVerifier, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


async def test_expired(verifier: TokenVerifier, sign: Any, claims: Claims) -> None:
    iat = int(claims()["iat"])
    err = await _rejected(verifier, sign(claims(iat=iat - 7200, exp=iat - 3600)))
    assert err.detail == "The token has expired."


async def test_wrong_audience(verifier: TokenVerifier, sign: Any) -> None:
    err = await _rejected(verifier, sign(aud="some-other-app"))
    assert "audience" in err.detail


async def test_wrong_issuer(verifier: TokenVerifier, sign: Any) -> None:
    err = await _rejected(verifier, sign(iss="https://evil.example/realms/kim"))
    assert "issued by" in err.detail


@pytest.mark.parametrize("missing", ["exp", "iss", "aud", "sub"])
async def test_required_claims(verifier: TokenVerifier, sign: Any, missing: str) -> None:
    err = await _rejected(verifier, sign(**{missing: None}))
    assert missing in err.detail


async def test_alg_none(
    verifier: TokenVerifier, dev_keys: DevKeyPair, claims: Claims, hand_made_token: Any
) -> None:
    token = hand_made_token({"alg": "none", "typ": "JWT", "kid": dev_keys.kid}, claims(), None)
    err = await _rejected(verifier, token)
    assert "'none'" in err.detail


async def test_hs256_signed_with_public_key(
    verifier: TokenVerifier, dev_keys: DevKeyPair, claims: Claims, hand_made_token: Any
) -> None:
    public_pem = dev_keys.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = hand_made_token(
        {"alg": "HS256", "typ": "JWT", "kid": dev_keys.kid}, claims(), public_pem
    )
    err = await _rejected(verifier, token)
    assert "'HS256'" in err.detail


async def test_hs256_rejected_even_with_rs256_in_header_parsing(
    verifier: TokenVerifier, dev_keys: DevKeyPair, claims: Claims, hand_made_token: Any
) -> None:
    # Header claims RS256 but the signature is an HMAC keyed with the public PEM.
    public_pem = dev_keys.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = hand_made_token(
        {"alg": "RS256", "typ": "JWT", "kid": dev_keys.kid}, claims(), public_pem
    )
    err = await _rejected(verifier, token)
    assert err.detail == "The token signature is invalid."


async def test_unknown_kid(
    verifier: TokenVerifier, sign: Any, stranger_key: rsa.RSAPrivateKey
) -> None:
    err = await _rejected(verifier, sign(key=stranger_key, kid="stranger"))
    assert "unknown key" in err.detail


async def test_missing_kid(verifier: TokenVerifier, sign: Any) -> None:
    err = await _rejected(verifier, sign(kid=None))
    assert "kid" in err.detail


async def test_foreign_key_under_trusted_kid(
    verifier: TokenVerifier, sign: Any, stranger_key: rsa.RSAPrivateKey
) -> None:
    err = await _rejected(verifier, sign(key=stranger_key))
    assert err.detail == "The token signature is invalid."


async def test_tampered_payload(verifier: TokenVerifier, sign: Any) -> None:
    header, _, signature = sign().split(".")
    forged_payload = sign(kim_region="35").split(".")[1]
    err = await _rejected(verifier, f"{header}.{forged_payload}.{signature}")
    assert err.detail == "The token signature is invalid."


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.", "x" * 50])
async def test_malformed(verifier: TokenVerifier, garbage: str) -> None:
    err = await _rejected(verifier, garbage)
    assert err.detail in {
        "The bearer token is malformed.",
        "The token algorithm None is not accepted; only RS256 is.",
    }


async def test_regional_role_without_region_is_rejected(verifier: TokenVerifier, sign: Any) -> None:
    err = await _rejected(verifier, sign(kim_region=None))
    assert "kim_region" in err.detail


async def test_garbled_region_claim_is_rejected(verifier: TokenVerifier, sign: Any) -> None:
    err = await _rejected(verifier, sign(kim_region="35.0x"))
    assert "Kemendagri" in err.detail
