"""All event types of the platform, by type name.

Consumers look types up here: an envelope whose ``type`` is not in the
catalogue is an *unknown event* and goes to the dead-letter topic; a known
type that a consumer has no handler for is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kim_shared.events.base import Event
from kim_shared.events.types.activity import ACTIVITY_EVENTS
from kim_shared.events.types.content import CONTENT_EVENTS
from kim_shared.events.types.marketplace import MARKETPLACE_EVENTS
from kim_shared.events.types.mentoring import MENTORING_EVENTS
from kim_shared.events.types.mentoring_trainings import TRAINING_EVENTS
from kim_shared.events.types.registry import REGISTRY_EVENTS

EVENT_MODELS: tuple[type[Event], ...] = (
    *REGISTRY_EVENTS,
    *ACTIVITY_EVENTS,
    *CONTENT_EVENTS,
    *MARKETPLACE_EVENTS,
    *MENTORING_EVENTS,
    *TRAINING_EVENTS,
)


def index(models: Iterable[type[Event]]) -> Mapping[str, type[Event]]:
    """Map type name to model; a name declared twice is a programming error."""
    out: dict[str, type[Event]] = {}
    for model in models:
        if model.event_type in out:
            raise ValueError(f"event type {model.event_type} declared twice")
        out[model.event_type] = model
    return out


def catalogue() -> Mapping[str, type[Event]]:
    return index(EVENT_MODELS)
