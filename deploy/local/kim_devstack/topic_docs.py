"""The topic table of ``docs/subscribers.md``, rendered from the catalogue so it cannot drift.

The table sits between two markers in the guide; ``python -m kim_devstack.topic_docs``
rewrites it, and ``tests/test_subscribers_doc.py`` fails while the guide differs from
:func:`topic_table` (a topic, a kind, a key, a retention or an event type changed).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS
from kim_shared.events.contracts import repo_root
from kim_shared.events.topics import CATALOGUE, DAY_MS, TopicSpec

GUIDE = Path("docs/subscribers.md")
BEGIN = "<!-- topic-table:begin (generated: python -m kim_devstack.topic_docs) -->"
END = "<!-- topic-table:end -->"
VERSION_FIELDS = ("revision", "sequence")


def _retention(spec: TopicSpec) -> str:
    if spec.retention_ms is None:
        return "forever"
    days = spec.retention_ms / DAY_MS
    return f"{days:g} days"


def _newer_by(models: Sequence[type[Event]]) -> str:
    fields = sorted({f for m in models for f in VERSION_FIELDS if f in m.model_fields})
    return ", ".join(f"`{f}`" for f in fields) or "offset order"


def topic_table(
    catalogue: Sequence[TopicSpec] = CATALOGUE, models: Sequence[type[Event]] = EVENT_MODELS
) -> str:
    rows = [
        "| topic | kind | key | partitions | cleanup | kept | newer state by | event types |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec in catalogue:
        on_topic = sorted((m for m in models if m.topic.name == spec.name), key=_type)
        keys = sorted({m.subject_field for m in on_topic})
        newer = _newer_by(on_topic) if spec.kind == "state" else "—"
        rows.append(
            f"| `{spec.name}` | {spec.kind} | {', '.join(f'`{k}`' for k in keys) or '—'} "
            f"| {spec.partitions} | {'compact' if spec.compacted else 'delete'} "
            f"| {_retention(spec)} | {newer} "
            f"| {'<br>'.join(f'`{_type(m)}`' for m in on_topic) or '—'} |"
        )
    return "\n".join(rows)


def _type(model: type[Event]) -> str:
    return model.event_type


def rendered(text: str, table: str) -> str:
    """``text`` with the block between the markers replaced by ``table``."""
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{GUIDE} lacks the markers {BEGIN!r} … {END!r}")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: Sequence[str] = ()) -> int:
    path = repo_root() / GUIDE
    text = path.read_text()
    new = rendered(text, topic_table())
    if new != text:
        path.write_text(new)
        print(f"{GUIDE} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
