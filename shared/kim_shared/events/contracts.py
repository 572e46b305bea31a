"""Generated contract files: event JSON Schemas and each service's AsyncAPI document.

* ``shared/contracts/events/<type>.json`` — one per event type in the catalogue,
  regenerated from the models.
* ``shared/contracts/released/<type>.json`` — the schema as it was first released.
  Written once, when a type first appears, and never rewritten by the tools: it is the
  baseline a later model must stay compatible with, present in every checkout (a
  shallow clone or an export without ``.git`` included).
* ``services/<name>/asyncapi.json`` — from each service's ``ServiceSpec``
  (entry-point group ``kim.services``).

:func:`plan` computes what the files should contain and what would break a
published contract: each event model's schema is compared (see
:mod:`kim_shared.events.schemas`) with its released baseline, the schema file in
the working tree, and, where the checkout has its git history, *every version of
it ever committed* (:mod:`.history`). An event type that was released (or
committed) but is no longer in the catalogue is a break too. Writing refuses to
go ahead while anything breaks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS
from kim_shared.events.history import (
    EVENTS_PATH,
    HistoryUnavailable,
    Published,
    published_schemas,
)
from kim_shared.events.schemas import breaking_changes, dumps, event_schema

SHARED_DIR = Path(__file__).resolve().parents[2]
RELEASED_PATH = EVENTS_PATH.parent / "released"


def repo_root() -> Path:
    return SHARED_DIR.parent


@dataclass
class Plan:
    files: dict[Path, str] = field(default_factory=dict)
    breaking: dict[str, list[str]] = field(default_factory=dict)
    history_unavailable: str | None = None  # why git history was not compared, if it was not

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


def _problems(schema: dict[str, Any], baselines: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each way ``schema`` breaks one of the ``(where, old schema)`` baselines, once."""
    found: dict[str, str] = {}
    for where, old in baselines:
        for problem in breaking_changes(old, schema):
            found.setdefault(problem, where)
    return [f"{problem} (compared with {where})" for problem, where in found.items()]


def _first(history: Sequence[Published], event_type: str) -> dict[str, Any] | None:
    """The oldest committed version of ``event_type``'s schema, if history has one."""
    return next((p.schema for p in history if p.event_type == event_type), None)


def plan(
    models: Iterable[type[Event]] = EVENT_MODELS,
    specs: Iterable[Any] | None = None,
    *,
    root: Path | None = None,
    published: Sequence[Published] | None = None,
) -> Plan:
    """What the contract files under ``root`` should hold, and every break of a published
    schema (``published`` defaults to the versions committed in ``root``'s git history)."""
    root = root if root is not None else repo_root()
    events_dir = root / EVENTS_PATH
    released_dir = root / RELEASED_PATH
    result = Plan()
    history: Sequence[Published] = []
    try:
        history = published if published is not None else published_schemas(root)
    except HistoryUnavailable as exc:
        result.history_unavailable = str(exc)
    current = {model.event_type for model in models}
    for model in models:
        path = events_dir / f"{model.event_type}.json"
        released = released_dir / path.name
        baselines = [
            (f"the version committed in {p.commit[:12]}", p.schema)
            for p in history
            if p.event_type == model.event_type
        ]
        for known in (released, path):
            if known.exists():
                baselines.append((f"{known.relative_to(root)}", json.loads(known.read_text())))
        schema = event_schema(model)
        if problems := _problems(schema, baselines):
            result.breaking[model.event_type] = problems
        result.files[path] = dumps(schema)
        if not released.exists():  # first release: the baseline from now on
            result.files[released] = dumps(_first(history, model.event_type) or schema)
    for p in history:  # oldest first: name the commit that published it
        if p.event_type not in current and p.event_type not in result.breaking:
            result.breaking[p.event_type] = [
                f"the event type was removed, but it was published in {p.commit[:12]}: "
                "keep it (deprecate it in its description) next to its successor"
            ]
    for released in sorted(released_dir.glob("*.json")) if released_dir.is_dir() else ():
        event_type = released.name.removesuffix(".json")
        if event_type not in current and event_type not in result.breaking:
            result.breaking[event_type] = [
                f"the event type was removed, but it was released ({released.relative_to(root)})"
                ": keep it (deprecate it in its description) next to its successor"
            ]
    if events_dir.is_dir():
        for orphan in sorted(events_dir.glob("*.json")):
            event_type = orphan.name.removesuffix(".json")
            if event_type not in current and event_type not in result.breaking:
                result.breaking[event_type] = [
                    f"{orphan.relative_to(root)} describes an event type the catalogue "
                    "does not have"
                ]
    for spec in specs if specs is not None else service_specs():
        path = root / "services" / spec.name / "asyncapi.json"
        result.files[path] = dumps(spec.asyncapi())
    return result
