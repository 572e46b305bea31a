"""The topic catalogue: state topics keep every key forever, and no projection that can be
rebuilt reads a topic that loses records (DESIGN §3)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, ClassVar, cast

import pytest

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS
from kim_shared.events.topics import CATALOGUE, REGISTRY_KIM, TopicSpec
from kim_shared.inbox import BatchInboxConsumer, InboxConsumer
from kim_shared.service import ConsumerSpec, ServiceSpec

SPECS: list[ServiceSpec] = [ep.load() for ep in entry_points(group="kim.services")]


def test_state_topics_are_compacted_and_kept_forever() -> None:
    states = [t for t in CATALOGUE if t.kind == "state"]
    assert {t.name for t in states} >= {"kim.registry.region.v1", "kim.registry.kim_state.v1"}
    for topic in states:
        assert topic.configs() == {"cleanup.policy": "compact", "retention.ms": "-1"}, topic.name
    with pytest.raises(ValueError, match="must be compacted and kept forever"):
        TopicSpec("kim.test.thing_state.v1", compacted=True, kind="state")  # 30-day retention
    with pytest.raises(ValueError, match="must be compacted and kept forever"):
        TopicSpec("kim.test.thing_state.v1", retention_ms=None, kind="state")  # not compacted


def test_the_kim_lifecycle_has_a_state_topic_beside_its_expiring_facts() -> None:
    """A service deployed next month must still learn today's KIM: their state is on a
    compacted topic kept forever, while the fact stream may expire."""
    by_topic = {m.topic.name: m for m in EVENT_MODELS}
    assert by_topic["kim.registry.kim_state.v1"].event_type == "kim.registry.kim_state.changed.v1"
    assert not REGISTRY_KIM.keeps_every_key


class _Fact(Event):
    event_type: ClassVar[str] = "kim.test.thing.happened.v1"
    topic: ClassVar[TopicSpec] = REGISTRY_KIM
    subject_field: ClassVar[str] = "thing_id"

    thing_id: str


async def _noop(*_: object) -> None:
    return None


def test_a_rebuildable_projection_of_a_fact_topic_is_refused() -> None:
    with pytest.raises(ValueError, match=r"kim\.registry\.kim\.v1 can lose records"):
        ConsumerSpec("test.projection", {_Fact: _noop}, rebuildable=True)
    assert ConsumerSpec("test.reactor", {_Fact: _noop}).topics == [REGISTRY_KIM]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_rebuildable_consumer_of_every_service_reads_state_topics_only(
    spec: ServiceSpec,
) -> None:
    for consumer in spec.every_consumer:  # its own and those of mounted projections
        if consumer.rebuildable:
            assert all(t.keeps_every_key for t in consumer.topics), consumer.name


async def _batch(*_: object) -> None:
    return None


def test_a_consumer_has_either_per_event_handlers_or_one_batch_handler() -> None:
    batch = ConsumerSpec("test.batch", batch=_batch, events=(_Fact,))
    assert batch.models == (_Fact,)
    assert batch.topics == [REGISTRY_KIM]
    # The kit builds the consumer of the shape given (pool and producer are only stored).
    consumer = batch.inbox_consumer(cast(Any, None), cast(Any, None))
    assert isinstance(consumer, BatchInboxConsumer)
    assert consumer.topics == [REGISTRY_KIM.name]
    per_event = ConsumerSpec("test.per_event", {_Fact: _noop})
    assert type(per_event.inbox_consumer(cast(Any, None), cast(Any, None))) is InboxConsumer
    with pytest.raises(ValueError, match="either per-event handlers or a batch handler"):
        ConsumerSpec("test.both", {_Fact: _noop}, batch=_batch, events=(_Fact,))
    with pytest.raises(ValueError, match="either per-event handlers or a batch handler"):
        ConsumerSpec("test.neither")
    with pytest.raises(ValueError, match="needs the event types"):
        ConsumerSpec("test.untyped", batch=_batch)
    with pytest.raises(ValueError, match="can lose records"):
        ConsumerSpec("test.projection", batch=_batch, events=(_Fact,), rebuildable=True)
