"""Generated contract files: event JSON Schemas and each service's AsyncAPI document.

* ``shared/contracts/events/<type>.json`` — one per event type in the catalogue.
* ``services/<name>/asyncapi.json`` — from each service's ``ServiceSpec``
  (entry-point group ``kim.services``).

:func:`plan` computes what the files should contain; writing refuses a schema
change that breaks a published version (see :mod:`kim_shared.events.schemas`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS
from kim_shared.events.schemas import breaking_changes, dumps, event_schema

SHARED_DIR = Path(__file__).resolve().parents[2]
EVENTS_DIR = SHARED_DIR / "contracts" / "events"


def repo_root() -> Path:
    return SHARED_DIR.parent


@dataclass
class Plan:
    files: dict[Path, str] = field(default_factory=dict)
    breaking: dict[str, list[str]] = field(default_factory=dict)

    def stale(self) -> list[Path]:
        return [p for p, text in self.files.items() if not p.exists() or p.read_text() != text]

    def write(self) -> list[Path]:
        changed = self.stale()
        for path in changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.files[path])
        return changed


def service_specs() -> list[Any]:
    """The ``ServiceSpec`` of every installed service, by name."""
    return [ep.load() for ep in sorted(entry_points(group="kim.services"), key=lambda e: e.name)]


def plan(models: Iterable[type[Event]] = EVENT_MODELS, specs: Iterable[Any] | None = None) -> Plan:
    result = Plan()
    for model in models:
        path = EVENTS_DIR / f"{model.event_type}.json"
        schema = event_schema(model)
        if path.exists():
            problems = breaking_changes(json.loads(path.read_text()), schema)
            if problems:
                result.breaking[model.event_type] = problems
        result.files[path] = dumps(schema)
    for spec in specs if specs is not None else service_specs():
        path = repo_root() / "services" / spec.name / "asyncapi.json"
        result.files[path] = dumps(spec.asyncapi())
    return result
