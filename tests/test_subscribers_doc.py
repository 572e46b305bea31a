"""``docs/subscribers.md`` cannot drift from the catalogue: its topic table is the one
``kim_devstack.topic_docs`` renders from ``kim_shared.events.topics.CATALOGUE`` and the event
models, and the files and the Strimzi example it sends agencies to exist."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml

from kim_devstack.topic_docs import BEGIN, END, GUIDE, rendered, topic_table
from kim_shared.events.topics import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / GUIDE).read_text()


def test_the_topic_table_is_the_catalogue() -> None:
    assert rendered(TEXT, topic_table()) == TEXT, (
        "docs/subscribers.md is stale: run `uv run python -m kim_devstack.topic_docs`"
    )


def test_a_catalogue_change_shows_in_the_table() -> None:
    changed = (
        *CATALOGUE[:1],
        replace(CATALOGUE[1], retention_ms=7 * 24 * 3600 * 1000, compacted=False, kind="fact"),
        *CATALOGUE[2:],
    )
    assert rendered(TEXT, topic_table(changed)) != TEXT
    block = TEXT.split(BEGIN)[1].split(END)[0]
    assert f"| `{CATALOGUE[1].name}` | state |" in block


def test_every_public_topic_is_in_the_guide_and_no_dead_letter_topic() -> None:
    block = TEXT.split(BEGIN)[1].split(END)[0]
    listed = re.findall(r"^\| `([a-z0-9_.]+)` \|", block, flags=re.M)
    assert listed == [t.name for t in CATALOGUE]
    assert not [t for t in listed if t.endswith(".dlq")]


def test_the_agency_user_the_guide_describes_reads_only_the_guide_s_topics() -> None:
    docs = list(
        yaml.safe_load_all(
            (ROOT / "deploy/k8s/examples/kafkauser-agency-readonly.yaml").read_text()
        )
    )
    user = next(d for d in docs if d and d["kind"] == "KafkaUser")
    acls = user["spec"]["authorization"]["acls"]
    topics = [a["resource"]["name"] for a in acls if a["resource"]["type"] == "topic"]
    assert topics == [t.name for t in CATALOGUE]
    assert {op for a in acls for op in a["operations"]} == {"Read", "Describe"}
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"


def test_the_paths_the_guide_names_exist() -> None:
    for named, example in (
        ("examples/subscriber/kim_villages.py", None),
        ("deploy/k8s/examples/kafkauser-agency-readonly.yaml", None),
        ("shared/contracts/events/<type>.json", "kim.registry.kim_state.changed.v1"),
        ("shared/contracts/released/<type>.json", "kim.registry.kim_state.changed.v1"),
        ("services/<service>/asyncapi.json", "registry"),
        ("tests/test_topic_audit.py", None),
        ("tests/test_subscriber_example.py", None),
    ):
        assert named in TEXT, named
        path = re.sub(r"<[a-z]+>", example or "", named)
        assert (ROOT / path).exists(), path
