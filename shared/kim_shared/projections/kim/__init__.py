"""The KIM projection: every KIM's latest state and current roster, in ``kim_projection``
and ``kim_member_projection``, from the compacted ``kim.registry.kim_state.v1``."""

from pathlib import Path

from kim_shared.events.types.registry import KimStateChanged
from kim_shared.projections.base import Projection
from kim_shared.projections.kim.apply import apply_kim
from kim_shared.projections.kim.lookups import (
    ALL_STATUSES,
    Membership,
    get_kim,
    kim_in_region,
    kim_of_member,
    membership,
    memberships_of,
    role_in_active_kim,
)
from kim_shared.projections.kim.rows import Kim, KimState, Member, all_kim

KIM = Projection(
    name="kim",
    description=(
        "KIM projection (kim_projection, kim_member_projection): every KIM's latest state "
        "(status, village, kecamatan, kabupaten) and current roster (member ids, positions, "
        "login subjects, terms), the highest revision per KIM; dissolved ones keep their last "
        "state. A kit piece; rebuild with `kim projections rebuild <service> kim`."
    ),
    events=(KimStateChanged,),
    apply=apply_kim,
    tables=("kim_member_projection", "kim_projection"),
    migrations=Path(__file__).parent / "migrations",
    rows=all_kim,
)

__all__ = [
    "ALL_STATUSES",
    "KIM",
    "Kim",
    "KimState",
    "Member",
    "Membership",
    "get_kim",
    "kim_in_region",
    "kim_of_member",
    "membership",
    "memberships_of",
    "role_in_active_kim",
]
