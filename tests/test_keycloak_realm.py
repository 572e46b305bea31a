"""The Keycloak realm (deploy/keycloak/realm-kim.json) gives the services what
kim_shared.auth reads: every role, the region-scope claim, an audience each service
verifies, and a portal client that must use PKCE S256.

The last test builds the access token the realm's mappers describe for a user, signs
it and hands it to the services' own verifier, so a renamed claim or audience on
either side fails here rather than at the first sign-in."""

from __future__ import annotations

import json
import time
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from kim_shared.auth.claims import KIM_IDS_CLAIM, REGION_CLAIM
from kim_shared.auth.keysources import StaticKeySource
from kim_shared.auth.principal import KNOWN_ROLES, NATIONWIDE_ROLES, REGION_CODE_RE
from kim_shared.auth.verify import ALGORITHM, TokenVerifier

ROOT = Path(__file__).resolve().parents[1]
REALM_FILE = ROOT / "deploy" / "keycloak" / "realm-kim.json"
PLATFORM_CONFIG = ROOT / "deploy" / "k8s" / "base" / "kustomization.yaml"
SERVICES = sorted(ep.name for ep in entry_points(group="kim.services"))
PORTAL = "kim-portal"
ISSUER = "https://sso.example.invalid/realms/kim"


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return data


def client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in realm["clients"] if c["clientId"] == client_id]
    assert len(found) == 1, f"{len(found)} clients {client_id}"
    return found[0]


def mappers(c: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [m for m in c.get("protocolMappers", []) if m["protocolMapper"] == kind]


def user_profile(realm: dict[str, Any]) -> dict[str, Any]:
    (provider,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    (config,) = provider["config"]["kc.user.profile.config"]
    profile: dict[str, Any] = json.loads(config)
    return profile


def portal_callback_path() -> str:
    """The path of the portal's OIDC callback route, from the portal when it is installed."""
    try:
        signin = import_module("kim_portal.routes.signin")
    except ImportError:  # the portal is a separate deployable; its route as of writing
        return "/masuk/oidc/kembali"
    return str(signin.router.url_path_for("oidc_callback"))


def service_audiences() -> set[str]:
    """What each service verifies as ``aud``: its settings' default and the value the
    Kubernetes base gives every service (``kim-platform-config``)."""
    audiences = set()
    for service in SERVICES:
        module = import_module(f"kim_{service}.settings")
        fields = getattr(module, f"{service.capitalize()}Settings").model_fields
        audiences.add(fields["auth_audience"].default)
    kustomization = yaml.safe_load(PLATFORM_CONFIG.read_text())
    for generator in kustomization["configMapGenerator"]:
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            if key == "KIM_AUTH_AUDIENCE":
                audiences.add(value)
    return audiences


def test_realm_is_the_kim_realm_signing_with_rs256(realm: dict[str, Any]) -> None:
    assert realm["realm"] == "kim"
    assert realm["enabled"] is True
    assert realm["defaultSignatureAlgorithm"] == ALGORITHM  # the verifier pins RS256
    assert realm["sslRequired"] in {"external", "all"}
    assert realm["registrationAllowed"] is False  # staff create accounts with a role and region


def test_every_role_the_services_check_is_a_realm_role(realm: dict[str, Any]) -> None:
    roles = {r["name"] for r in realm["roles"]["realm"]}
    assert roles == KNOWN_ROLES  # an extra role would be dropped silently by the services


def test_every_service_audience_has_a_bearer_only_client(realm: dict[str, Any]) -> None:
    audiences = service_audiences()
    assert audiences == {"kim-platform"}
    for audience in audiences:
        api = client(realm, audience)
        assert api["bearerOnly"] is True
        for flow in ("standardFlowEnabled", "implicitFlowEnabled", "directAccessGrantsEnabled"):
            assert api[flow] is False, flow
        assert api["serviceAccountsEnabled"] is False
        assert not api["redirectUris"]
        assert "secret" not in api


def test_portal_requires_pkce_s256_and_the_code_flow_only(realm: dict[str, Any]) -> None:
    portal = client(realm, PORTAL)
    assert portal["attributes"]["pkce.code.challenge.method"] == "S256"
    assert portal["standardFlowEnabled"] is True
    assert portal["implicitFlowEnabled"] is False
    assert portal["directAccessGrantsEnabled"] is False  # no password grant
    assert portal["redirectUris"]
    for uri in portal["redirectUris"]:
        assert uri.startswith("https://"), uri
        assert urlsplit(uri).path == portal_callback_path(), uri
        assert "*" not in uri, uri
    assert "secret" not in portal  # set after import, never committed
    assert {"basic", "roles"} <= set(portal["defaultClientScopes"])  # sub, realm_access


def test_portal_tokens_carry_every_service_audience(realm: dict[str, Any]) -> None:
    portal = client(realm, PORTAL)
    included = {
        m["config"]["included.client.audience"]
        for m in mappers(portal, "oidc-audience-mapper")
        if m["config"]["access.token.claim"] == "true"
    }
    assert service_audiences() <= included


def test_region_scope_mapper_uses_the_claim_kim_shared_reads(realm: dict[str, Any]) -> None:
    portal = client(realm, PORTAL)
    by_claim = {
        m["config"]["claim.name"]: m for m in mappers(portal, "oidc-usermodel-attribute-mapper")
    }
    region = by_claim[REGION_CLAIM]["config"]
    assert region["access.token.claim"] == "true"
    assert region["multivalued"] == "false"
    kim_ids = by_claim[KIM_IDS_CLAIM]["config"]
    assert kim_ids["access.token.claim"] == "true"
    assert kim_ids["multivalued"] == "true"
    attributes = {a["name"]: a for a in user_profile(realm)["attributes"]}
    declared = attributes[region["user.attribute"]]
    assert declared["validations"]["pattern"]["pattern"] == REGION_CODE_RE.pattern
    assert declared["permissions"]["edit"] == ["admin"]  # users never widen their own scope
    assert attributes[kim_ids["user.attribute"]]["multivalued"] is True
    assert attributes[kim_ids["user.attribute"]]["permissions"]["edit"] == ["admin"]


def keycloak_access_token(
    realm: dict[str, Any], key: rsa.RSAPrivateKey, roles: list[str], attributes: dict[str, Any]
) -> str:
    """The access token the realm's mappers describe for a user of the portal."""
    portal = client(realm, PORTAL)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "f1b2c3d4-0000-4000-8000-000000000001",
        "iat": now,
        "exp": now + realm["accessTokenLifespan"],
        "azp": PORTAL,
        "typ": "Bearer",
        "preferred_username": "budi",
        # Keycloak's default scope "roles" adds its own default roles too.
        "realm_access": {"roles": [*roles, "offline_access", "default-roles-kim"]},
        "aud": [
            m["config"]["included.client.audience"] for m in mappers(portal, "oidc-audience-mapper")
        ]
        + ["account"],
    }
    for m in mappers(portal, "oidc-usermodel-attribute-mapper"):
        config = m["config"]
        value = attributes.get(config["user.attribute"])
        if value is not None and config["access.token.claim"] == "true":
            claims[config["claim.name"]] = value if config["multivalued"] == "true" else value[0]
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": "realm-key"})


@pytest.mark.parametrize(
    ("roles", "attributes", "scope"),
    [
        (["operator_kabupaten"], {"kim_region": ["35.02"]}, "35.02"),
        (
            ["pengelola_kim"],
            {"kim_region": ["35.02.01.2001"], "kim_ids": ["k1", "k2"]},
            "35.02.01.2001",
        ),
        (["moderator"], {}, None),
    ],
)
async def test_a_token_from_the_realm_is_accepted_by_every_service(
    realm: dict[str, Any], roles: list[str], attributes: dict[str, Any], scope: str | None
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = keycloak_access_token(realm, key, roles, attributes)
    keys = StaticKeySource({"realm-key": key.public_key()})
    for audience in service_audiences():
        principal = await TokenVerifier(keys, issuer=ISSUER, audience=audience).verify(token)
        assert principal.roles == frozenset(roles)
        assert principal.region_scope == scope
        assert principal.kim_ids == tuple(attributes.get("kim_ids", ()))
        assert principal.region_scope is not None or principal.roles <= NATIONWIDE_ROLES
