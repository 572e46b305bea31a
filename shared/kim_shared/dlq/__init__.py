"""Listing and replaying dead letters (``<topic>.dlq``)."""

from kim_shared.dlq.service import (
    DeadLetter,
    RecentDeadLetters,
    list_dead_letters,
    recent_dead_letters,
    replay_dead_letters,
)

__all__ = [
    "DeadLetter",
    "RecentDeadLetters",
    "list_dead_letters",
    "recent_dead_letters",
    "replay_dead_letters",
]
