"""Compare a projection with its source, key by key (``kim projections check``).

Both sides are read as one frozen row object per key (the projection's row types; the
registry builds the same objects from its own tables, entry-point group
``kim.projection_sources``), so only the projected fields are compared. The content hash
is SHA-256 over the sorted ``key → row`` pairs: equal hashes mean equal contents, and
the key lists say where they differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points

from kim_shared.projections.base import ReadRows

SOURCES_GROUP = "kim.projection_sources"


class SourceUnavailable(LookupError):
    """No installed package provides the source rows of a projection."""


@dataclass(frozen=True)
class Comparison:
    """A projection's content against its source's."""

    source_count: int
    source_digest: str
    projected_count: int
    projected_digest: str
    differing: tuple[str, ...]
    """Keys on both sides whose projected fields differ."""
    missing: tuple[str, ...]
    """Keys of the source the projection does not hold."""
    extra: tuple[str, ...]
    """Keys the projection holds that the source does not."""

    @property
    def equal(self) -> bool:
        return self.source_digest == self.projected_digest


def content_digest(rows: Mapping[str, object]) -> str:
    """SHA-256 of the sorted ``key → row`` pairs (``repr`` of frozen dataclasses of str, int,
    bool, date, UUID and tuples: the same on both sides for the same values)."""
    h = hashlib.sha256()
    for key in sorted(rows):
        h.update(f"{key}\t{rows[key]!r}\n".encode())
    return h.hexdigest()


def compare(source: Mapping[str, object], projected: Mapping[str, object]) -> Comparison:
    return Comparison(
        source_count=len(source),
        source_digest=content_digest(source),
        projected_count=len(projected),
        projected_digest=content_digest(projected),
        differing=tuple(
            sorted(k for k in source.keys() & projected.keys() if source[k] != projected[k])
        ),
        missing=tuple(sorted(source.keys() - projected.keys())),
        extra=tuple(sorted(projected.keys() - source.keys())),
    )


def source_of(projection: str) -> ReadRows:
    """The reader of ``projection``'s source rows, from the package that owns the source."""
    for ep in entry_points(group=SOURCES_GROUP, name=projection):
        reader: ReadRows = ep.load()
        return reader
    raise SourceUnavailable(projection)
