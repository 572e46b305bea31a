"""Rules are data: the default set loads, bad rule sets are refused whole."""

from __future__ import annotations

from typing import Any

import pytest

from kim_content.screening import Rule, Submission, default_rules, load_rules, screen
from kim_content.screening.detectors import KINDS
from kim_shared.errors import Invalid

EXPECTED_IDS = {
    "pii.nik",
    "pii.phone",
    "pii.email",
    "pii.address",
    "words.watched",
    "spam.links",
    "spam.unknown_domain",
    "spam.repeated",
    "spam.shouting",
    "spam.contact",
    "children.consent",
}


def test_default_rules_load_with_the_expected_ids() -> None:
    rules = default_rules()
    assert EXPECTED_IDS <= {r.id for r in rules}
    assert all(r.kind in KINDS and r.description_id for r in rules)
    assert default_rules() is rules


def test_personal_data_rules_block_by_default() -> None:
    by_id = {r.id: r for r in default_rules()}
    for rule_id in ("pii.nik", "pii.phone", "pii.email", "pii.address", "children.consent"):
        assert by_id[rule_id].action == "block"


def _rule(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "spam.shouting",
        "kind": "shouting",
        "action": "flag",
        "params": {},
        "description_id": "Huruf kapital semua.",
    }
    return {**base, **changes}


def test_unknown_kind_is_refused_at_load() -> None:
    with pytest.raises(Invalid) as caught:
        load_rules([_rule(), _rule(id="x.magic", kind="magic")])
    assert [i.field for i in caught.value.errors] == ["rules[1].kind"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_rule(params={"ratio": 2}), "rules[0].params.ratio"),
        (_rule(params={"shout": True}), "rules[0].params.shout"),
        (_rule(action="delete"), "rules[0].action"),
        (_rule(kind="pii", params={"types": ["nik", "shoe_size"]}), "rules[0].params.types"),
        (_rule(kind="pii", params={}), "rules[0].params.types"),
    ],
)
def test_bad_rules_are_refused_with_a_pointer(item: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        load_rules([item])
    assert [i.field for i in caught.value.errors] == [field]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(Invalid) as caught:
        load_rules([_rule(), _rule()])
    assert [i.field for i in caught.value.errors] == ["rules[1].id"]


def test_rules_round_trip_as_json() -> None:
    rules = default_rules()
    again = load_rules([r.model_dump(mode="json") for r in rules])
    assert again == rules
    assert isinstance(hash(rules[0]), int)
    assert Rule.model_validate(rules[0].model_dump()) == rules[0]


def test_a_hand_built_rule_of_an_unknown_kind_is_refused_by_the_engine() -> None:
    rule = Rule(id="x.magic", kind="magic", action="block")
    with pytest.raises(Invalid):
        screen(Submission(fields={"body": "teks"}), [rule], [])
