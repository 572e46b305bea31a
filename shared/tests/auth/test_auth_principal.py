"""Principal construction, tenancy rules and claim mapping."""

from __future__ import annotations

import pytest

from kim_shared.auth import (
    NotFound,
    Principal,
    Unauthorized,
    claims_for_principal,
    ensure_region_visible,
    principal_from_claims,
)


def operator(scope: str) -> Principal:
    return Principal(subject="op", roles=frozenset({"operator_kabupaten"}), region_scope=scope)


@pytest.mark.parametrize(
    ("scope", "code", "visible"),
    [
        ("35.02", "35.02", True),
        ("35.02", "35.02.01", True),
        ("35.02", "35.02.01.2001", True),
        ("35.02", "35.021", False),
        ("35.02", "35.021.01", False),
        ("35.02", "35.03.01", False),
        ("35.02", "35", False),
        ("35.02", "3", False),
        ("35.02", "", False),
        ("35", "35.79.01.1001", True),
        ("35", "351", False),
        ("35", "36.01", False),
    ],
)
def test_can_access_region(scope: str, code: str, visible: bool) -> None:
    assert operator(scope).can_access_region(code) is visible


def test_admin_provinsi_covers_its_province() -> None:
    admin = Principal(subject="gub", roles=frozenset({"admin_provinsi"}), region_scope="35")
    assert admin.can_access_region("35.02.01.2001")
    assert not admin.can_access_region("32.01")


def test_nationwide_role_needs_no_scope_and_sees_everything() -> None:
    moderator = Principal(subject="mod", roles=frozenset({"moderator"}))
    assert moderator.can_access_region("11.01")
    assert moderator.can_access_region("35.02")


def test_no_role_no_scope_sees_no_region() -> None:
    nobody = Principal(subject="citizen")
    assert not nobody.can_access_region("35.02")


@pytest.mark.parametrize(
    ("roles", "scope", "message"),
    [
        ({"operator_kabupaten"}, None, "need a region scope"),
        ({"moderator", "anggota_kim"}, None, "anggota_kim"),
        ({"superuser"}, "35", "unknown roles"),
        ({"operator_kabupaten"}, "35.2", "not a Kemendagri code"),
        ({"operator_kabupaten"}, "35.", "not a Kemendagri code"),
    ],
)
def test_invalid_principals(roles: set[str], scope: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Principal(subject="x", roles=frozenset(roles), region_scope=scope)


def test_ensure_region_visible_answers_404_out_of_scope() -> None:
    ensure_region_visible(operator("35.02"), "35.02.05")
    with pytest.raises(NotFound) as caught:
        ensure_region_visible(operator("35.02"), "35.03.05")
    assert caught.value.status == 404


def test_claims_merge_keycloak_and_top_level_roles() -> None:
    principal = principal_from_claims(
        {
            "sub": "u1",
            "realm_access": {"roles": ["pengelola_kim", "offline_access"]},
            "roles": ["anggota_kim"],
            "kim_region": "35.02.01.2001",
            "kim_ids": ["kim-1"],
            "preferred_username": "budi",
        }
    )
    assert principal.roles == {"pengelola_kim", "anggota_kim"}
    assert principal.region_scope == "35.02.01.2001"
    assert principal.kim_ids == ("kim-1",)
    assert principal.name == "budi"


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u", "roles": "operator_kabupaten", "kim_region": "35"},
        {"sub": "u", "realm_access": ["moderator"]},
        {"sub": "u", "roles": [1], "kim_region": "35"},
        {"sub": "u", "kim_region": 35},
        {"sub": "u", "kim_ids": "kim-1"},
        {"sub": ""},
        {"roles": ["moderator"]},
    ],
)
def test_garbled_claims_are_unauthorized(claims: dict[str, object]) -> None:
    with pytest.raises(Unauthorized):
        principal_from_claims(claims)


def test_claims_round_trip() -> None:
    original = Principal(
        subject="alice",
        roles=frozenset({"pengelola_kim", "anggota_kim"}),
        region_scope="35.02.01",
        name="Alice",
        kim_ids=("kim-1", "kim-2"),
    )
    assert principal_from_claims(claims_for_principal(original)) == original
