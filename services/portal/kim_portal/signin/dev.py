"""Development sign-in: pick a role and a region, get a token signed with the local dev key
pair that the services trust when they run locally. Never offered in production."""

from __future__ import annotations

from kim_portal.settings import PortalSettings
from kim_portal.web.session import User
from kim_shared.auth.keys import load_or_create_dev_keys
from kim_shared.auth.mint import mint_token
from kim_shared.auth.principal import Principal

TTL_S = 8 * 3600


class DevSignInRefused(Exception):
    """The development sign-in is switched off (production settings)."""


def dev_user(
    *, subject: str, role: str, region: str | None, name: str | None, kim_ids: tuple[str, ...]
) -> tuple[User, Principal]:
    """The user and principal for the form's choices; :class:`ValueError` when the
    combination is not a valid principal (e.g. a kabupaten role without a kabupaten)."""
    principal = Principal(
        subject=subject,
        roles=frozenset({role}),
        region_scope=region or None,
        name=name or None,
        kim_ids=kim_ids,
    )
    user = User(
        subject=subject,
        roles=(role,),
        region=principal.region_scope,
        name=principal.name,
        kim_ids=kim_ids,
    )
    return user, principal


def mint_dev(settings: PortalSettings, principal: Principal) -> str:
    if not settings.dev_sign_in:
        raise DevSignInRefused()
    pair = load_or_create_dev_keys(settings.auth_dev_key_dir)
    return mint_token(
        pair.private_key,
        pair.kid,
        principal,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        ttl=TTL_S,
    )
