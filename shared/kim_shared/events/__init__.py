"""The public event contract: CloudEvents envelope, event model base, topic catalogue."""

from kim_shared.events.base import Event
from kim_shared.events.envelope import CloudEvent, InvalidEnvelope
from kim_shared.events.topics import TopicSpec

__all__ = ["CloudEvent", "Event", "InvalidEnvelope", "TopicSpec"]
