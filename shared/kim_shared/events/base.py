"""Base for event payload models (the CloudEvents ``data``).

One frozen model per event type. A subclass declares its type name, topic and
which field is the aggregate id (the CloudEvents ``subject`` and Kafka key)::

    class KimFormed(Event):
        event_type: ClassVar[str] = "kim.registry.kim.formed.v1"
        topic: ClassVar[TopicSpec] = topics.REGISTRY_KIM
        subject_field: ClassVar[str] = "kim_id"

        kim_id: UUID
        village_code: str

Consumers ignore unknown fields, so adding an optional field keeps ``v1``;
removing, renaming or retyping one needs a ``v2`` type (checked by a test
against the committed JSON Schemas).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from kim_shared.events.topics import TopicSpec


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[TopicSpec]
    subject_field: ClassVar[str]

    @property
    def subject(self) -> str:
        """The aggregate id: the CloudEvents ``subject`` and the Kafka key."""
        return str(getattr(self, self.subject_field))

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
