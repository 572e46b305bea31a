"""What a projection of registry state is, as a kit piece a service mounts (DESIGN §4).

A :class:`Projection` bundles what a service would otherwise write again: its tables
(forward-only migrations in their own namespace), the batch handler that applies the
events of its state topic, and how to read its whole content back (for
``kim projections check``). ``ServiceSpec(projections=(REGIONS, KIM))`` mounts it: the
service gets the migrations and a rebuildable consumer ``<service>.projection.<name>``.

Every projection is *monotonic*: a record older than what a row already holds never
overwrites it, and applying a record twice changes nothing. That is what lets a replay
from offset 0 (``kim projections rebuild``) run while the live consumer keeps going.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kim_shared.db.migrations import MigrationSet
from kim_shared.db.pool import Connection
from kim_shared.events.base import Event
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox.consumer import BatchHandler

_TABLE = re.compile(r"^[a-z_]+$")

ReadRows = Callable[[Connection], Awaitable[Mapping[str, object]]]
"""The whole content of a projection (or of its source), by key: one frozen row object per
key, equal on both sides when the projection holds what the source published."""


@dataclass(frozen=True)
class Projection:
    """One projection: ``name`` (``regions``), the event types it applies, their handler."""

    name: str
    description: str
    events: tuple[type[Event], ...]
    apply: BatchHandler
    tables: tuple[str, ...]
    """Its tables, emptied in this order by a rebuild (rows that refer to others first)."""
    migrations: Path
    rows: ReadRows

    def __post_init__(self) -> None:
        bad = [t for t in self.tables if not _TABLE.match(t)]
        if bad or not self.tables:
            raise ValueError(f"{self.name}: table names must be plain identifiers: {bad}")
        lost = sorted({e.topic.name for e in self.events if not e.topic.keeps_every_key})
        if lost:
            raise ValueError(f"{self.name}: a projection reads state topics only, not {lost}")

    @property
    def namespace(self) -> str:
        """Its migrations' namespace (``projection.regions/0001_….sql``)."""
        return f"projection.{self.name}"

    @property
    def migration_set(self) -> MigrationSet:
        return MigrationSet(self.namespace, self.migrations)

    @property
    def topics(self) -> list[TopicSpec]:
        return sorted({e.topic for e in self.events}, key=lambda t: t.name)

    def consumer_name(self, service: str) -> str:
        """The consumer group (and inbox name) of this projection in ``service``."""
        return f"{service}.projection.{self.name}"
