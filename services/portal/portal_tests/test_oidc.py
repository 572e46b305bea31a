"""OIDC sign-in against a small identity provider of the test's own (discovery, authorization
with PKCE, token, JWKS), served over real HTTP: the portal sends an S256 code challenge, the
provider checks the verifier, and the portal keeps the verified access token's roles and region.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kim_shared.auth.keys import public_jwk
from portal_tests.platform import free_port, serving
from portal_tests.support import portal, settings_for

CLIENT_ID = "kim-portal"
AUDIENCE = "kim-platform"
KID = "idp-key-1"


class FakeIdp:
    """Keycloak's part of the authorization code flow, with PKCE (S256) enforced."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, str]] = {}
        self.refused: list[str] = []
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/auth", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/certs", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/certs",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        assert q["client_id"] == CLIENT_ID
        assert q["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce", ""),
            "redirect_uri": q["redirect_uri"],
        }
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return RedirectResponse(target, status_code=302)

    def _sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "iat": now, "nbf": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": KID})

    async def token(self, request: Request) -> Response:
        form = await request.form()
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier") or "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if grant is None or challenge != grant["challenge"]:
            self.refused.append(str(form.get("code")))
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access = self._sign(
            {
                "sub": "kc-rina",
                "aud": AUDIENCE,
                "realm_access": {"roles": ["operator_kabupaten", "offline_access"]},
                "kim_region": "35.02",
                "name": "Rina Diskominfo",
            }
        )
        id_token = self._sign({"sub": "kc-rina", "aud": CLIENT_ID, "nonce": grant["nonce"]})
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [public_jwk(self.key.public_key(), KID)]})


@pytest.fixture
async def idp() -> AsyncIterator[FakeIdp]:
    port = free_port()
    provider = FakeIdp(f"http://127.0.0.1:{port}/realms/kim")
    root = Starlette()
    root.mount("/realms/kim", provider.app)
    async with serving(root, port=port):
        yield provider


async def test_oidc_sign_in_with_pkce_keeps_the_verified_roles(
    idp: FakeIdp, tmp_path: Path
) -> None:
    settings = settings_for(
        tmp_path,
        oidc_issuer_url=idp.issuer,
        oidc_client_id=CLIENT_ID,
        auth_issuer=idp.issuer,
        auth_audience=AUDIENCE,
    )
    async with portal(settings) as client, httpx.AsyncClient() as browser:
        start = await client.get("/masuk/oidc", params={"next": "/kerja"})
        assert start.status_code == 302
        sent = parse_qs(urlsplit(start.headers["location"]).query)
        assert sent["code_challenge_method"] == ["S256"]
        assert len(sent["code_challenge"][0]) >= 43
        assert "code_verifier" not in sent  # the verifier never leaves the portal

        back = await browser.get(start.headers["location"])
        assert back.status_code == 302
        callback = urlsplit(back.headers["location"])
        done = await client.get(f"{callback.path}?{callback.query}")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/kerja"
        assert idp.refused == []

        page = await client.get("/operator/evaluasi/bukan-id")
        assert page.status_code == 404  # an operator's page: signed in with that role
        assert "Rina Diskominfo" in page.text
        assert (await client.get("/kerja/bantuan")).status_code == 403  # not a KIM member

        # the same answer again (a replayed callback) is refused with a plain page
        again = await client.get(f"{callback.path}?{callback.query}")
        assert again.status_code == 400
        assert "Masuk gagal" in again.text
