"""FastAPI dependencies end to end: 401 problems, 403 on roles, 404 across tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient

from kim_shared.auth import (
    ADMIN_PROVINSI,
    OPERATOR_KABUPATEN,
    CurrentPrincipal,
    DevKeyPair,
    OptionalPrincipal,
    Principal,
    create_token_verifier,
    ensure_region_visible,
    require_roles,
)
from kim_shared.http.problems import install_problem_handlers
from kim_shared.settings import ServiceSettings

Claims = Callable[..., dict[str, Any]]

# Module level: with postponed annotations FastAPI resolves route hints from globals.
Operator = Annotated[Principal, Depends(require_roles(OPERATOR_KABUPATEN, ADMIN_PROVINSI))]


def build_app() -> FastAPI:
    """A tiny service wired the way real services are (verifier made in the lifespan)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.token_verifier = create_token_verifier(ServiceSettings())
        yield

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)

    @app.get("/things/{code}")
    async def get_thing(code: str, principal: Operator) -> dict[str, str]:
        ensure_region_visible(principal, code, OPERATOR_KABUPATEN, ADMIN_PROVINSI)
        return {"code": code, "viewer": principal.subject}

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"sub": principal.subject, "roles": sorted(principal.roles)}

    @app.get("/public")
    async def public(principal: OptionalPrincipal) -> dict[str, str | None]:
        return {"sub": principal.subject if principal else None}

    return app


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    app = build_app()
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: Any, status: int, detail_part: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    slug = {401: "unauthorized", 403: "forbidden", 404: "not-found", 503: "service-unavailable"}
    assert body["type"] == f"https://kim.example/problems/{slug[status]}"
    assert body["title"]
    assert detail_part in body["detail"]
    return body


async def test_valid_token_reaches_route(client: AsyncClient, sign: Any) -> None:
    response = await client.get("/me", headers=bearer(sign()))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "roles": ["operator_kabupaten"]}


async def test_own_region_200_other_tenant_404(client: AsyncClient, sign: Any) -> None:
    token = sign(kim_region="35.02")
    own = await client.get("/things/35.02.01.2001", headers=bearer(token))
    assert own.status_code == 200
    assert own.json() == {"code": "35.02.01.2001", "viewer": "alice"}

    other = await client.get("/things/35.03.01.2001", headers=bearer(token))
    body = assert_problem(other, 404, "not found")
    assert body["instance"] == "/things/35.03.01.2001"
    assert "WWW-Authenticate" not in other.headers

    assert (await client.get("/things/35.021", headers=bearer(token))).status_code == 404


async def test_admin_provinsi_sees_whole_province(client: AsyncClient, sign: Any) -> None:
    token = sign(roles=["admin_provinsi"], kim_region="35")
    assert (await client.get("/things/35.79.01", headers=bearer(token))).status_code == 200
    assert (await client.get("/things/32.01", headers=bearer(token))).status_code == 404


async def test_wrong_role_is_403(client: AsyncClient, sign: Any) -> None:
    token = sign(roles=["anggota_kim"], kim_region="35.02.01.2001")
    response = await client.get("/things/35.02.01.2001", headers=bearer(token))
    assert_problem(response, 403, "operator_kabupaten")


async def test_missing_header_is_401_with_challenge(client: AsyncClient) -> None:
    response = await client.get("/me")
    assert_problem(response, 401, "Authentication is required")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kim"'


def _public_pem(keys: DevKeyPair) -> bytes:
    return keys.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("case", "detail_part"),
    [
        ("expired", "expired"),
        ("wrong_aud", "audience"),
        ("wrong_iss", "issued by"),
        ("alg_none", "'none' is not accepted"),
        ("hs256_public_key", "'HS256' is not accepted"),
        ("unknown_kid", "unknown key"),
        ("malformed", "malformed"),
    ],
)
async def test_bad_tokens_are_401_problems(
    client: AsyncClient,
    sign: Any,
    claims: Claims,
    hand_made_token: Any,
    dev_keys: DevKeyPair,
    stranger_key: rsa.RSAPrivateKey,
    case: str,
    detail_part: str,
) -> None:
    iat = int(claims()["iat"])
    tokens: dict[str, Callable[[], str]] = {
        "expired": lambda: sign(iat=iat - 7200, exp=iat - 3600),
        "wrong_aud": lambda: sign(aud="account"),
        "wrong_iss": lambda: sign(iss="https://sso.example/realms/other"),
        "alg_none": lambda: hand_made_token({"alg": "none", "kid": dev_keys.kid}, claims(), None),
        "hs256_public_key": lambda: hand_made_token(
            {"alg": "HS256", "kid": dev_keys.kid}, claims(), _public_pem(dev_keys)
        ),
        "unknown_kid": lambda: sign(key=stranger_key, kid="rotated-away"),
        "malformed": lambda: "not.a-jwt",
    }
    response = await client.get("/me", headers=bearer(tokens[case]()))
    assert_problem(response, 401, detail_part)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="kim", error="invalid_token"')


async def test_non_bearer_scheme_is_401(client: AsyncClient) -> None:
    response = await client.get("/me", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert_problem(response, 401, "Bearer")


async def test_optional_principal(client: AsyncClient, sign: Any) -> None:
    assert (await client.get("/public")).json() == {"sub": None}
    assert (await client.get("/public", headers=bearer(sign()))).json() == {"sub": "alice"}
    # A token that is sent must be valid: no silent downgrade to anonymous.
    assert (await client.get("/public", headers=bearer("garbage"))).status_code == 401


async def test_verifier_missing_from_state_is_a_wiring_error(sign: Any) -> None:
    app = FastAPI()

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> str:
        return principal.subject

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as bare:
        with pytest.raises(RuntimeError, match="token_verifier"):
            await bare.get("/me", headers=bearer(sign()))


def test_require_roles_rejects_unknown_role_names() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        require_roles("operator_kabupatn")
    with pytest.raises(ValueError, match="at least one"):
        require_roles()
