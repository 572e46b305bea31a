"""The published event contract: committed schemas and AsyncAPI documents are current,
and a v1 schema only ever changes compatibly."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS, index
from kim_shared.events.contracts import plan
from kim_shared.events.schemas import breaking_changes, event_schema
from kim_shared.events.topics import TopicSpec

T = TopicSpec("kim.test.widget.v1")


def test_committed_contract_files_are_current_and_compatible() -> None:
    p = plan()
    assert p.breaking == {}, "incompatible change to a published event: add a .v2 type"
    assert p.stale() == [], "contract files are stale: run `uv run kim contracts write`"


def test_every_event_type_is_declared_once_and_named_by_convention() -> None:
    models = index(EVENT_MODELS)
    for name, model in models.items():
        _, service, aggregate, _verb, _version = name.split(".")
        assert model.topic.name.startswith(f"kim.{service}.{aggregate}."), name
        assert model.model_config.get("frozen") is True, name


def _schema(fields: dict[str, Any]) -> dict[str, Any]:
    model = type(
        "Widget",
        (Event,),
        {
            "__annotations__": {k: v[0] for k, v in fields.items()}
            | {"event_type": ClassVar[str], "topic": ClassVar[TopicSpec]},
            **{k: v[1] for k, v in fields.items() if v[1] is not ...},
            "event_type": "kim.test.widget.changed.v1",
            "topic": T,
            "subject_field": "widget_id",
        },
    )
    return event_schema(model)


BASE = {"widget_id": (str, ...), "count": (int, ...), "note": (str | None, None)}


def test_adding_an_optional_field_is_compatible() -> None:
    assert breaking_changes(_schema(BASE), _schema({**BASE, "colour": (str | None, None)})) == []


def test_unchanged_schema_is_compatible() -> None:
    assert breaking_changes(_schema(BASE), _schema(BASE)) == []


def test_removing_a_field_breaks() -> None:
    new = {k: v for k, v in BASE.items() if k != "count"}
    assert breaking_changes(_schema(BASE), _schema(new)) == ["data.count was removed"]


def test_renaming_a_field_breaks() -> None:
    new = {"widget_id": (str, ...), "total": (int, ...), "note": (str | None, None)}
    problems = breaking_changes(_schema(BASE), _schema(new))
    assert "data.count was removed" in problems
    assert any("data.total is new and required" in p for p in problems)


def test_retyping_a_field_breaks() -> None:
    problems = breaking_changes(_schema(BASE), _schema({**BASE, "count": (str, ...)}))
    assert len(problems) == 1
    assert problems[0].startswith("data.count changed type")


def test_making_an_optional_field_required_breaks() -> None:
    problems = breaking_changes(_schema(BASE), _schema({**BASE, "note": (str, ...)}))
    assert "data.note became required" in problems


def test_changing_allowed_values_breaks() -> None:
    old = _schema({**BASE, "band": (Literal["A", "B"], ...)})
    new = _schema({**BASE, "band": (Literal["A", "B", "C"], ...)})
    assert breaking_changes(old, new)[0].startswith("data.band changed type")
