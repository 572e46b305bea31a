"""Pure rules about KIM groups: lifecycle, per-kabupaten rules, activation, capacity.

Lifecycle (``calon`` = proposed, ``aktif``, ``tidak_aktif`` = dormant,
``dibubarkan`` = dissolved)::

    calon ──► aktif ◄──► tidak_aktif
      │         │            │
      └─────────┴────────────┴──► dibubarkan (terminal)

``calon → dibubarkan`` is a rejected proposal. A reason code (a closed list,
published in events) is required for ``tidak_aktif`` and ``dibubarkan``; the
note staff may add stays in the registry. Moving to ``aktif`` (first activation or
reactivation) needs the kabupaten's required officer positions filled and at
least ``min_members`` current members.

A village "has" a KIM while that KIM is ``calon``, ``aktif`` or ``tidak_aktif``:
a proposal already blocks a second one, and a dormant KIM may be reactivated,
so it keeps its place. Only a dissolved KIM frees the village.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, get_args

from kim_shared.errors import Conflict, Invalid, Issue
from kim_shared.events.types.registry import KimStatus, Position, StatusReason

STATUSES: Final[tuple[KimStatus, ...]] = get_args(KimStatus)
POSITIONS: Final[tuple[Position, ...]] = get_args(Position)
OFFICER_POSITIONS: Final[tuple[Position, ...]] = tuple(p for p in POSITIONS if p != "anggota")

TRANSITIONS: Final[dict[KimStatus, tuple[KimStatus, ...]]] = {
    "calon": ("aktif", "dibubarkan"),
    "aktif": ("tidak_aktif", "dibubarkan"),
    "tidak_aktif": ("aktif", "dibubarkan"),
    "dibubarkan": (),
}
REASON_REQUIRED: Final[frozenset[KimStatus]] = frozenset({"tidak_aktif", "dibubarkan"})
OCCUPYING_STATUSES: Final[tuple[KimStatus, ...]] = ("calon", "aktif", "tidak_aktif")
"""Statuses that count against ``max_kim_per_village`` (see the module docstring)."""

MAX_REASON_CHARS: Final = 500
MAX_MEMBERS_LIMIT: Final = 10_000


# --- lifecycle ---------------------------------------------------------------------------


def check_transition(
    current: KimStatus, target: KimStatus, reason_code: StatusReason | None
) -> None:
    """Raise :class:`Conflict` for a transition the lifecycle does not allow."""
    if current == target:
        raise Conflict(f"The KIM is already '{current}'.", slug="invalid-transition")
    allowed = TRANSITIONS[current]
    if target not in allowed:
        if not allowed:
            raise Conflict(
                f"The KIM is dissolved ('{current}'), which is final: it cannot move to "
                f"'{target}'. Form a new KIM instead.",
                slug="invalid-transition",
            )
        raise Conflict(
            f"A KIM in status '{current}' cannot move to '{target}'; allowed next statuses: "
            f"{', '.join(allowed)}.",
            slug="invalid-transition",
        )
    if target in REASON_REQUIRED and reason_code is None:
        raise Invalid(
            f"A reason code is required to move a KIM to '{target}' (the note is optional).",
            field="body.reason_code",
        )


def ensure_not_dissolved(status: KimStatus, action: str) -> None:
    """A dissolved KIM is read-only."""
    if status == "dibubarkan":
        raise Conflict(
            f"The KIM is dissolved (dibubarkan); {action} is no longer possible.",
            slug="kim-dissolved",
        )


# --- per-kabupaten rules -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rules:
    """A kabupaten's rules for KIM; ``version`` 0 means "defaults, never saved"."""

    kabupaten_code: str
    max_kim_per_village: int = 1
    required_positions: tuple[Position, ...] = ("ketua", "sekretaris", "bendahara")
    min_members: int = 3
    max_members: int = 100
    dormant_after_days: int = 180
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.version == 0


def validate_rules(
    *,
    max_kim_per_village: int,
    required_positions: Sequence[str],
    min_members: int,
    max_members: int,
    dormant_after_days: int,
) -> tuple[Position, ...]:
    """Check the bounds together; return the required positions in canonical order."""
    errors: list[tuple[str, str]] = []
    if not 1 <= max_kim_per_village <= 10:
        errors.append(("max_kim_per_village", "must be between 1 and 10"))
    unknown = [p for p in required_positions if p not in OFFICER_POSITIONS]
    if unknown:
        errors.append(
            (
                "required_positions",
                f"only officer positions may be required ({', '.join(OFFICER_POSITIONS)}); "
                f"not {', '.join(sorted(set(unknown)))}",
            )
        )
    if len(set(required_positions)) != len(required_positions):
        errors.append(("required_positions", "lists a position more than once"))
    if not 1 <= min_members <= MAX_MEMBERS_LIMIT:
        errors.append(("min_members", f"must be between 1 and {MAX_MEMBERS_LIMIT}"))
    if not 1 <= max_members <= MAX_MEMBERS_LIMIT:
        errors.append(("max_members", f"must be between 1 and {MAX_MEMBERS_LIMIT}"))
    elif max_members < min_members:
        errors.append(("max_members", "must be at least min_members"))
    elif max_members < len(set(required_positions)):
        errors.append(("max_members", "must leave room for one person in each required position"))
    if not 7 <= dormant_after_days <= 3650:
        errors.append(("dormant_after_days", "must be between 7 and 3650"))
    if errors:
        raise Invalid.of("Invalid rules", [Issue(f"body.{f}", m) for f, m in errors])
    return tuple(p for p in OFFICER_POSITIONS if p in required_positions)


def ensure_village_capacity(village_label: str, occupying: int, rules: Rules) -> None:
    """409 when the village already has as many KIM as the kabupaten allows."""
    if occupying >= rules.max_kim_per_village:
        allowed = rules.max_kim_per_village
        raise Conflict(
            f"{village_label} already has {occupying} KIM that is proposed, active or dormant "
            f"(calon, aktif or tidak_aktif); the rules of kabupaten {rules.kabupaten_code} allow "
            f"{allowed} per village. Dissolve the existing KIM first or raise "
            "max_kim_per_village.",
            slug="village-has-kim",
        )


def activation_gaps(rules: Rules, filled: Iterable[str], member_count: int) -> list[str]:
    """What keeps a KIM from becoming ``aktif`` (empty: nothing)."""
    held = set(filled)
    gaps: list[str] = []
    missing = [p for p in rules.required_positions if p not in held]
    if missing:
        gaps.append(f"no current holder for the required position(s) {', '.join(missing)}")
    if member_count < rules.min_members:
        gaps.append(
            f"it has {member_count} current member(s) but needs at least {rules.min_members}"
        )
    return gaps


def ensure_can_activate(rules: Rules, filled: Iterable[str], member_count: int) -> None:
    gaps = activation_gaps(rules, filled, member_count)
    if gaps:
        raise Conflict(
            f"The KIM cannot become 'aktif': {'; '.join(gaps)} (rules of kabupaten "
            f"{rules.kabupaten_code}).",
            slug="activation-requirements",
        )


def ensure_room_for_member(rules: Rules, member_count: int) -> None:
    if member_count >= rules.max_members:
        raise Conflict(
            f"The KIM already has {member_count} current members, the maximum the rules of "
            f"kabupaten {rules.kabupaten_code} allow.",
            slug="members-full",
        )


# --- member terms ---------------------------------------------------------------------------


def check_term(
    term_start: date,
    term_end: date | None,
    sk_date: date | None,
    today: date,
) -> None:
    if term_end is not None and term_end < term_start:
        raise Invalid("term_end must not be before term_start.", field="body.term_end")
    if sk_date is not None and sk_date > today:
        raise Invalid("appointment_sk_date lies in the future.", field="body.appointment_sk_date")


def leaving_day(term_start: date, left_on: date | None, today: date) -> date:
    """The day a membership ends: today by default, never before its term started.

    A term that has not started yet (appointed for later) ends on its first day.
    """
    latest = max(today, term_start)
    if left_on is None:
        return latest
    if left_on < term_start:
        raise Invalid("left_on must not be before the member's term_start.", field="body.left_on")
    if left_on > latest:
        raise Invalid(
            "left_on lies in the future; end the membership on or after that day.",
            field="body.left_on",
        )
    return left_on


# --- KIM profile ------------------------------------------------------------------------------


def check_profile(
    *,
    founded_on: date | None,
    sk_number: str | None,
    sk_date: date | None,
    sk_issuer: str | None,
    today: date,
) -> None:
    """Dates are not in the future; SK date and issuer come with an SK number."""
    if founded_on is not None and founded_on > today:
        raise Invalid("founded_on lies in the future.", field="body.founded_on")
    if sk_date is not None and sk_date > today:
        raise Invalid("sk_date lies in the future.", field="body.sk_date")
    if sk_number is None and (sk_date is not None or sk_issuer is not None):
        raise Invalid(
            "sk_date and sk_issuer describe a decree: give its sk_number too.",
            field="body.sk_number",
        )


# --- listing ----------------------------------------------------------------------------------


class EmptyFilter(Exception):
    """The region filters exclude each other: the answer is an empty list."""


def narrowest_region(codes: Iterable[str | None]) -> str | None:
    """The most specific of nested region filters; :class:`EmptyFilter` if they are disjoint."""
    chosen: str | None = None
    for code in codes:
        if code is None:
            continue
        if chosen is None or code == chosen or code.startswith(chosen + "."):
            chosen = code
        elif not chosen.startswith(code + "."):
            raise EmptyFilter
    return chosen
