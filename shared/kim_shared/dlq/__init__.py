"""Listing and replaying dead letters (``<topic>.dlq``)."""

from kim_shared.dlq.service import DeadLetter, list_dead_letters, replay_dead_letters

__all__ = ["DeadLetter", "list_dead_letters", "replay_dead_letters"]
