"""JSON Schemas of event payloads and the compatibility rule for a version.

``kim contracts write`` regenerates ``shared/contracts/events/<type>.json``
and refuses to overwrite a committed schema with an incompatible one; a test
fails when a model no longer matches its committed schema compatibly. What a
``v1`` may do: add *optional* properties. Removing, renaming or retyping a
property, making an optional one required, adding a required one, or changing
allowed enum values needs a new type ``...v2``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kim_shared.events.base import Event

_IGNORED = {"title", "description", "examples", "default"}


def event_schema(model: type[Event]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:kim:event:{model.event_type}"
    schema["x-kim-topic"] = model.topic.name
    schema["x-kim-subject"] = model.subject_field
    return schema


def dumps(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _shape(node: Any) -> Any:
    """The schema minus documentation-only keywords."""
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in _IGNORED}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def breaking_changes(old: Mapping[str, Any], new: Mapping[str, Any], path: str = "") -> list[str]:
    """Why data valid for ``new`` consumers/producers would break ``old`` ones (empty: fine)."""
    old = _inline(old, old.get("$defs", {}))
    new = _inline(new, new.get("$defs", {}))
    return _compare(old, new, path or "data")


def _compare(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_props: Mapping[str, Any] = old.get("properties", {})
    new_props: Mapping[str, Any] = new.get("properties", {})
    if old_props or new_props:
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name, old_prop in old_props.items():
            where = f"{path}.{name}"
            if name not in new_props:
                problems.append(f"{where} was removed")
                continue
            if name not in old_req and name in new_req:
                problems.append(f"{where} became required")
            problems += _compare(old_prop, new_props[name], where)
        for name in new_props.keys() - old_props.keys():
            if name in new_req:
                problems.append(f"{path}.{name} is new and required (new fields must be optional)")
        rest_old = {k: v for k, v in old.items() if k not in ("properties", "required")}
        rest_new = {k: v for k, v in new.items() if k not in ("properties", "required")}
        if _shape(rest_old) != _shape(rest_new):
            problems.append(f"{path} changed its object constraints")
        return problems
    if _shape(old) != _shape(new):
        problems.append(
            f"{path} changed type from {json.dumps(_shape(old), sort_keys=True)} "
            f"to {json.dumps(_shape(new), sort_keys=True)}"
        )
    return problems
