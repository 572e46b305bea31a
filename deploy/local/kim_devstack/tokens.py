"""Development tokens as an ``Authorization`` header, for tests and the demo journey."""

from __future__ import annotations

from kim_shared.auth import Principal
from kim_shared.auth.mint import mint_dev_token
from kim_shared.settings import ServiceSettings


def bearer(
    settings: ServiceSettings,
    *roles: str,
    sub: str = "tester",
    region: str | None = None,
    kim_ids: tuple[str, ...] = (),
    name: str | None = None,
) -> dict[str, str]:
    """``Authorization`` header with a token signed by the settings' dev key pair."""
    principal = Principal(
        subject=sub, roles=frozenset(roles), region_scope=region, name=name, kim_ids=kim_ids
    )
    return {"Authorization": f"Bearer {mint_dev_token(settings, principal)}"}
