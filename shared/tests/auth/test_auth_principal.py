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


def staff(scope: str) -> Principal:
    """admin_provinsi for a province scope, operator_kabupaten below it."""
    role = "admin_provinsi" if "." not in scope else "operator_kabupaten"
    return Principal(subject="op", roles=frozenset({role}), region_scope=scope)


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
def test_acts_in_region(scope: str, code: str, visible: bool) -> None:
    assert staff(scope).acts_in(code, "admin_provinsi", "operator_kabupaten") is visible


def test_admin_provinsi_covers_its_province() -> None:
    admin = Principal(subject="gub", roles=frozenset({"admin_provinsi"}), region_scope="35")
    assert admin.acts_in("35.02.01.2001", "admin_provinsi")
    assert not admin.acts_in("32.01", "admin_provinsi")


def test_nationwide_role_needs_no_scope_and_reaches_everywhere() -> None:
    moderator = Principal(subject="mod", roles=frozenset({"moderator"}))
    assert moderator.acts_in("11.01", "moderator")
    assert moderator.acts_in("35.02", "moderator")


def test_a_role_not_held_grants_nothing() -> None:
    moderator = Principal(subject="mod", roles=frozenset({"moderator"}))
    assert not moderator.acts_in("35.02", "operator_kabupaten")
    assert not operator("35.02").acts_in("35.02", "moderator")


def test_no_role_no_scope_reaches_no_region() -> None:
    nobody = Principal(subject="citizen")
    assert not nobody.acts_in("35.02", "operator_kabupaten", "moderator")


@pytest.mark.parametrize("nationwide", ["pendamping", "moderator"])
def test_scope_follows_the_granting_role_not_the_union(nationwide: str) -> None:
    """operator_kabupaten of 35.02 who is also a nationwide pendamping/moderator: staff of
    35.02 only; the nationwide role reaches everywhere only for what it grants itself."""
    both = Principal(
        subject="x", roles=frozenset({"operator_kabupaten", nationwide}), region_scope="35.02"
    )
    assert both.acts_in("35.02.01.2001", "operator_kabupaten")
    assert not both.acts_in("33.01.01.2001", "operator_kabupaten")
    assert not both.acts_in("33.01", "admin_provinsi", "operator_kabupaten")
    assert both.acts_in("33.01", nationwide)


def test_a_kabupaten_role_never_holds_a_province_scope() -> None:
    with pytest.raises(ValueError, match="too wide for operator_kabupaten"):
        Principal(subject="x", roles=frozenset({"operator_kabupaten"}), region_scope="35")
    with pytest.raises(ValueError, match="too wide for pengelola_kim"):
        Principal(
            subject="x", roles=frozenset({"admin_provinsi", "pengelola_kim"}), region_scope="35"
        )


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
    ensure_region_visible(operator("35.02"), "35.02.05", "operator_kabupaten")
    with pytest.raises(NotFound) as caught:
        ensure_region_visible(operator("35.02"), "35.03.05", "operator_kabupaten")
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
