"""Who may do what in mentoring (DESIGN §5), from the token and the KIM projection.

- **Operators** (``operator_kabupaten``) manage the experts of their kabupaten and reassign
  its help requests.
- **Experts** (``pendamping``, a nationwide role) schedule sessions of requests assigned to
  them.
- **KIM officers and members** (``pengelola_kim``/``anggota_kim`` on the current roster of an
  aktif KIM) open, close and cancel their KIM's requests.
- Anyone else, and staff of another kabupaten, get 404 exactly as for a missing resource.
"""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from fastapi import Depends

from kim_shared.auth import Principal, require_roles
from kim_shared.auth.principal import ANGGOTA_KIM, OPERATOR_KABUPATEN, PENDAMPING, PENGELOLA_KIM
from kim_shared.clock import today
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.projections.kim.lookups import get_kim, role_in_active_kim
from kim_shared.projections.kim.rows import KimState

KIM_NOT_FOUND: Final = "The KIM was not found."
REQUEST_NOT_FOUND: Final = "The help request was not found."
KIM_ROLES: Final = (PENGELOLA_KIM, ANGGOTA_KIM)

Operator = Annotated[Principal, Depends(require_roles(OPERATOR_KABUPATEN))]
KimPerson = Annotated[Principal, Depends(require_roles(PENGELOLA_KIM, ANGGOTA_KIM))]
Scheduler = Annotated[Principal, Depends(require_roles(PENDAMPING, OPERATOR_KABUPATEN))]
Anyone = Annotated[
    Principal,
    Depends(require_roles(PENGELOLA_KIM, ANGGOTA_KIM, OPERATOR_KABUPATEN, PENDAMPING)),
]


async def kim_served(conn: Connection, principal: Principal, kim_id: UUID) -> KimState:
    """The aktif KIM whose current roster holds the caller (404 otherwise)."""
    kim = await get_kim(conn, kim_id)
    if kim is None or not principal.acts_in(kim.state.village_code, *KIM_ROLES):
        raise NotFound(KIM_NOT_FOUND)
    if await role_in_active_kim(conn, kim_id, principal.subject, on=today()) is None:
        raise NotFound(KIM_NOT_FOUND)
    return kim.state


def operates(principal: Principal, kabupaten_code: str) -> bool:
    return principal.acts_in(kabupaten_code, OPERATOR_KABUPATEN)


def is_expert(principal: Principal, expert_subject: str | None) -> bool:
    return PENDAMPING in principal.roles and principal.subject == expert_subject
