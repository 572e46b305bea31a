"""Projections are kit pieces a service mounts with one line (DESIGN §4): content,
marketplace and mentoring mount the region and KIM projections; the registry, which owns
their source, mounts none. Mounting gives the projection's migrations (in their own
namespace) and a rebuildable batch consumer ``<service>.projection.<name>``."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import ClassVar

import pytest

from kim_shared.events.base import Event
from kim_shared.events.topics import REGISTRY_KIM, TopicSpec
from kim_shared.projections import KIM, PROJECTIONS, REGIONS, Projection
from kim_shared.projections.regions.apply import apply_regions
from kim_shared.projections.regions.rows import all_regions
from kim_shared.service import ServiceSpec

SPECS = {ep.name: ep.load() for ep in entry_points(group="kim.services")}


@pytest.mark.parametrize("service", ["content", "marketplace", "mentoring"])
def test_content_marketplace_and_mentoring_mount_both_projections(service: str) -> None:
    spec: ServiceSpec = SPECS[service]
    assert tuple(spec.projections) == (REGIONS, KIM)
    mounted = {c.name: c for c in spec.every_consumer}
    for projection in PROJECTIONS:
        consumer = mounted[f"{service}.projection.{projection.name}"]
        assert consumer.batch is projection.apply
        assert consumer.models == projection.events
        assert consumer.rebuildable
    assert [m.namespace for m in spec.mounted_migrations] == [
        "projection.regions",
        "projection.kim",
    ]
    receives = spec.asyncapi()["operations"]
    assert f"receive_{service}_projection_regions_kim_registry_region_changed_v1" in receives


def test_the_registry_owns_the_source_and_mounts_nothing() -> None:
    registry: ServiceSpec = SPECS["registry"]
    assert registry.projections == ()
    assert registry.mounted_migrations == ()
    assert not any(".projection." in c.name for c in registry.every_consumer)


def test_a_mounted_projection_becomes_a_rebuildable_batch_consumer() -> None:
    spec = ServiceSpec(name="svc", title="Svc", description="", projections=(REGIONS,))
    (consumer,) = spec.every_consumer
    assert (consumer.name, consumer.batch, consumer.rebuildable) == (
        "svc.projection.regions",
        apply_regions,
        True,
    )
    assert [t.name for t in consumer.topics] == ["kim.registry.region.v1"]


class _Fact(Event):
    event_type: ClassVar[str] = "kim.test.thing.happened.v1"
    topic: ClassVar[TopicSpec] = REGISTRY_KIM
    subject_field: ClassVar[str] = "thing_id"

    thing_id: str


def test_a_projection_of_a_topic_that_loses_records_is_refused() -> None:
    with pytest.raises(ValueError, match=r"state topics only.*kim\.registry\.kim\.v1"):
        Projection(
            name="things",
            description="",
            events=(_Fact,),
            apply=apply_regions,
            tables=("things",),
            migrations=Path("."),
            rows=all_regions,
        )
