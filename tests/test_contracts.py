"""The published event contract: committed schemas and AsyncAPI documents are current,
and a v1 schema only ever changes compatibly with every version of it ever committed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest

from kim_shared.events.base import Event
from kim_shared.events.catalogue import EVENT_MODELS, index
from kim_shared.events.contracts import RELEASED_PATH, plan, repo_root
from kim_shared.events.history import EVENTS_PATH, HistoryUnavailable, published_schemas
from kim_shared.events.schemas import breaking_changes, dumps, event_schema
from kim_shared.events.topics import TopicSpec

T = TopicSpec("kim.test.widget.v1")
WIDGET = "kim.test.widget.changed.v1"


def test_committed_contract_files_are_current_and_compatible() -> None:
    p = plan()
    assert p.breaking == {}, "incompatible change to a published event: add a .v2 type"
    assert p.stale() == [], "contract files are stale: run `uv run kim contracts write`"


def test_the_history_compared_with_holds_every_schema_file_of_head() -> None:
    """The check really reads git where the checkout has its history (the released baselines
    protect a shallow or exported checkout: see the tests below)."""
    try:
        published_schemas(repo_root())
    except HistoryUnavailable as exc:
        pytest.skip(f"no git history in this checkout ({exc}); released baselines checked")
    tree = _git(repo_root(), "ls-tree", "--name-only", "HEAD", f"{EVENTS_PATH}/").split()
    committed = {Path(name).name.removesuffix(".json") for name in tree}
    assert committed, "no schema files in HEAD"
    assert committed <= {p.event_type for p in published_schemas(repo_root())}


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@kim.test",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@kim.test",
    }
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


def test_every_event_type_is_declared_once_and_named_by_convention() -> None:
    models = index(EVENT_MODELS)
    for name, model in models.items():
        _, service, aggregate, _verb, _version = name.split(".")
        assert model.topic.name.startswith(f"kim.{service}.{aggregate}."), name
        assert model.model_config.get("frozen") is True, name


def _schema(fields: dict[str, Any]) -> dict[str, Any]:
    return event_schema(_model(fields))


def _model(fields: dict[str, Any]) -> type[Event]:
    return type(
        "Widget",
        (Event,),
        {
            "__annotations__": {k: v[0] for k, v in fields.items()}
            | {"event_type": ClassVar[str], "topic": ClassVar[TopicSpec]},
            **{k: v[1] for k, v in fields.items() if v[1] is not ...},
            "event_type": WIDGET,
            "topic": T,
            "subject_field": "widget_id",
        },
    )


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


# ------------------------------------------------- against the git history


class Repo:
    """A scratch repository holding only ``shared/contracts/events``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        _git(root, "init", "-q", "-b", "main")
        self.events = root / EVENTS_PATH
        self.events.mkdir(parents=True)

    def commit(self, schemas: dict[str, dict[str, Any]], message: str) -> str:
        """Make the schema files exactly ``schemas`` (type → schema) and commit them."""
        for old in self.events.glob("*.json"):
            old.unlink()
        for event_type, schema in schemas.items():
            (self.events / f"{event_type}.json").write_text(dumps(schema))
        _git(self.root, "add", "-A")
        _git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return _git(self.root, "rev-parse", "HEAD").strip()

    def plan(self, *fields: dict[str, Any]) -> dict[str, list[str]]:
        models = [_model(f) for f in fields]
        return plan(models, specs=[], root=self.root).breaking


def test_a_break_committed_with_its_regenerated_schema_fails(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    first = repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    smaller = {k: v for k, v in BASE.items() if k != "count"}
    repo.commit({WIDGET: _schema(smaller)}, "drop count, schema regenerated")
    p = plan([_model(smaller)], specs=[], root=tmp_path)
    events_file = tmp_path / EVENTS_PATH / f"{WIDGET}.json"
    assert events_file not in p.stale(), "the working tree agrees with the model: it hides it"
    assert p.breaking == {
        WIDGET: [f"data.count was removed (compared with the version committed in {first[:12]})"]
    }


def test_every_committed_version_counts_not_only_the_first(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    coloured = {**BASE, "colour": (str | None, None)}
    second = repo.commit({WIDGET: _schema(coloured)}, "optional colour")
    assert repo.plan(coloured) == {}
    assert repo.plan(BASE) == {
        WIDGET: [f"data.colour was removed (compared with the version committed in {second[:12]})"]
    }


def test_a_removed_event_type_fails(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    first = repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    repo.commit({}, "widget removed")
    (problem,) = plan([], specs=[], root=tmp_path).breaking[WIDGET]
    assert problem.startswith(f"the event type was removed, but it was published in {first[:12]}")
    # Not committed yet, only left in the working tree: also refused.
    (tmp_path / EVENTS_PATH / "kim.test.gadget.made.v1.json").write_text("{}")
    assert "kim.test.gadget.made.v1" in plan([], specs=[], root=tmp_path).breaking


def test_a_shallow_clone_is_refused(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "origin")
    repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    repo.commit({WIDGET: _schema({**BASE, "colour": (str | None, None)})}, "colour")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    with pytest.raises(HistoryUnavailable, match="shallow"):
        published_schemas(clone)


def test_a_shallow_clone_still_compares_with_the_released_baselines(tmp_path: Path) -> None:
    """CI may check out one commit only: the released baseline of every type is in the tree,
    so a break (committed together with its regenerated schema) still fails there."""
    repo = Repo(tmp_path / "origin")
    repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    assert plan([_model(BASE)], specs=[], root=repo.root).write()  # the first release baseline
    released = repo.root / RELEASED_PATH / f"{WIDGET}.json"
    assert released.exists()
    smaller = {k: v for k, v in BASE.items() if k != "count"}
    repo.commit({WIDGET: _schema(smaller)}, "drop count, schema regenerated")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    p = plan([_model(smaller)], specs=[], root=clone)
    assert p.history_unavailable is not None
    assert "shallow" in p.history_unavailable
    assert p.breaking == {
        WIDGET: [f"data.count was removed (compared with {RELEASED_PATH}/{WIDGET}.json)"]
    }
    # ... and a released type may not disappear either
    assert (
        "the event type was removed, but it was released"
        in plan([], specs=[], root=clone).breaking[WIDGET][0]
    )


def test_a_released_baseline_is_never_rewritten(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    repo.commit({WIDGET: _schema(BASE)}, "widget v1")
    plan([_model(BASE)], specs=[], root=tmp_path).write()
    released = tmp_path / RELEASED_PATH / f"{WIDGET}.json"
    before = released.read_text()
    coloured = {**BASE, "colour": (str | None, None)}
    p = plan([_model(coloured)], specs=[], root=tmp_path)
    assert released not in p.files, "only a missing baseline is written"
    p.write()
    assert released.read_text() == before
