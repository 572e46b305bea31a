"""Screening rules are data: an id, a kind (which detector), an action, params.

Rules come from ``default_rules.json`` or from a database/admin upload through
:func:`load_rules`, which refuses unknown kinds and bad params up front so a broken
rule set never reaches a submission.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kim_shared.errors import Invalid, Issue

from .detectors import KINDS
from .model import Action


class Rule(BaseModel):
    """One screening rule. ``description_id`` explains it to authors in Bahasa Indonesia."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    kind: str
    action: Action
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    description_id: str = ""

    def parsed_params(self) -> BaseModel:
        """``params`` checked against the kind's model (raises ``KeyError``/``ValidationError``)."""
        return _parse_params(self.kind, json.dumps(self.params, sort_keys=True))

    def __hash__(self) -> int:  # params is a dict; hash by identity of the content
        return hash((self.id, self.kind, self.action, json.dumps(self.params, sort_keys=True)))


@lru_cache(maxsize=256)
def _parse_params(kind: str, params_json: str) -> BaseModel:
    return KINDS[kind].params.model_validate_json(params_json)


def load_rules(items: Sequence[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Rules from JSON-like data; every problem is reported at once as ``Invalid``
    (``rules[2].kind``: unknown kind, ``rules[0].params``: bad params, duplicate ids)."""
    issues: list[Issue] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"rules[{i}]"
        try:
            rule = Rule.model_validate(item)
        except ValidationError as exc:
            issues += [
                Issue(f"{where}.{'.'.join(str(p) for p in e['loc'])}", e["msg"])
                for e in exc.errors()
            ]
            continue
        if rule.kind not in KINDS:
            issues.append(Issue(f"{where}.kind", f"unknown rule kind {rule.kind!r}"))
            continue
        try:
            rule.parsed_params()
        except ValidationError as exc:
            issues += [
                Issue(f"{where}.params.{'.'.join(str(p) for p in e['loc'])}", e["msg"])
                for e in exc.errors()
            ]
            continue
        if rule.id in seen:
            issues.append(Issue(f"{where}.id", f"duplicate rule id {rule.id!r}"))
            continue
        seen.add(rule.id)
        rules.append(rule)
    if issues:
        raise Invalid("The screening rules are not valid.", errors=issues)
    return tuple(rules)


@lru_cache(maxsize=1)
def default_rules() -> tuple[Rule, ...]:
    """The platform's default rule set (``default_rules.json``), read once."""
    raw = resources.files(__package__).joinpath("default_rules.json").read_text(encoding="utf-8")
    return load_rules(json.loads(raw)["rules"])
