"""AsyncAPI 3.0 documents built from the event catalogue.

Each service declares what it publishes and what its consumers handle; the
document describes the CloudEvents envelope with each event's ``data`` schema
(the same models other agencies validate against). Written to
``services/<name>/asyncapi.json`` by ``kim contracts write`` and served at
``/asyncapi`` (HTML) and ``/asyncapi.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from kim_shared.events.base import Event
from kim_shared.events.envelope import CONTENT_TYPE, CloudEvent
from kim_shared.events.schemas import event_schema


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", name)


def _message(model: type[Event]) -> dict[str, Any]:
    envelope = CloudEvent.model_json_schema()
    envelope["properties"]["type"] = {"const": model.event_type, "type": "string"}
    data = event_schema(model)
    envelope["properties"]["data"] = {"$ref": f"#/components/schemas/{_key(model.event_type)}"}
    envelope.pop("title", None)
    return {
        "name": model.event_type,
        "title": model.__name__,
        "summary": (model.__doc__ or "").strip().split("\n")[0],
        "contentType": CONTENT_TYPE,
        "payload": envelope,
        "bindings": {"kafka": {"key": {"type": "string", "description": model.subject_field}}},
        "x-data-schema": data["$id"],
    }


def build_asyncapi(
    service: str,
    *,
    publishes: Iterable[type[Event]],
    consumes: Iterable[tuple[str, type[Event]]],
    bootstrap: str = "127.0.0.1:19092",
    version: str = "1.0.0",
) -> dict[str, Any]:
    """``consumes`` pairs a consumer group name with an event model it handles."""
    published = sorted(set(publishes), key=lambda m: m.event_type)
    consumed = sorted(set(consumes), key=lambda c: (c[0], c[1].event_type))
    models = {m.event_type: m for m in [*published, *(m for _, m in consumed)]}
    channels: dict[str, Any] = {}
    for model in models.values():
        channel = channels.setdefault(
            _key(model.topic.name),
            {"address": model.topic.name, "description": model.topic.description, "messages": {}},
        )
        channel["messages"][_key(model.event_type)] = {
            "$ref": f"#/components/messages/{_key(model.event_type)}"
        }
    operations: dict[str, Any] = {}
    for model in published:
        operations[f"send_{_key(model.event_type)}"] = _operation("send", model)
    for group, model in consumed:
        op = _operation("receive", model)
        op["x-consumer-group"] = group
        operations[f"receive_{_key(group)}_{_key(model.event_type)}"] = op
    schemas = {}
    for model in models.values():
        schema = event_schema(model)
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[_key(model.event_type)] = _retarget(schema)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"KIM Platform — {service}",
            "version": version,
            "description": f"Events the {service} service publishes and consumes "
            "(CloudEvents 1.0, JSON structured mode; key = aggregate id).",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {"host": bootstrap, "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {_key(t): _message(m) for t, m in models.items()},
            "schemas": {k: _retarget(v) for k, v in sorted(schemas.items())},
        },
    }


def _operation(action: str, model: type[Event]) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{_key(model.topic.name)}"},
        "messages": [
            {"$ref": f"#/channels/{_key(model.topic.name)}/messages/{_key(model.event_type)}"}
        ],
    }


def _retarget(node: Any) -> Any:
    """Point pydantic's ``#/$defs/X`` references at ``#/components/schemas/X``."""
    text = json.dumps(node).replace('"#/$defs/', '"#/components/schemas/')
    return json.loads(text)
