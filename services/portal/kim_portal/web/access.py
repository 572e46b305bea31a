"""Which roles may open which area of the portal. The services decide what each call may
do; the portal refuses a page to a role that has nothing to do there (403 page)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from kim_portal.web.errors import Forbidden, SignInRequired
from kim_portal.web.session import User, current_token, current_user

MEMBERS = frozenset({"anggota_kim", "pengelola_kim"})
MODERATION = frozenset({"moderator", "operator_kabupaten"})
OPERATORS = frozenset({"operator_kabupaten", "admin_provinsi"})
SELLERS = frozenset({"pelaku_umkm", "pengelola_kim"})


async def signed_in(request: Request) -> User:
    user = current_user(request)
    if user is None or current_token(request) is None:
        raise SignInRequired()
    return user


def role_in(roles: frozenset[str]) -> Callable[[Request], Coroutine[Any, Any, User]]:
    """A dependency: the signed-in user, who must hold one of ``roles``."""

    async def check(request: Request) -> User:
        user = await signed_in(request)
        if not user.has(roles):
            raise Forbidden()
        return user

    return check


async def token(request: Request) -> str:
    found = current_token(request)
    if found is None:
        raise SignInRequired()
    return found


SignedIn = Annotated[User, Depends(signed_in)]
Member = Annotated[User, Depends(role_in(MEMBERS))]
Moderation = Annotated[User, Depends(role_in(MODERATION))]
Operator = Annotated[User, Depends(role_in(OPERATORS))]
Seller = Annotated[User, Depends(role_in(SELLERS))]
Token = Annotated[str, Depends(token)]
