"""The YAML reader used by the manifest tests: what it accepts, and what it refuses."""

from __future__ import annotations

import pytest

from tests.deploy.k8s_yaml import YamlSubsetError, load, load_all


def test_block_mappings_sequences_and_scalars() -> None:
    text = """
# comment
apiVersion: v1   # trailing comment
kind: Thing
metadata:
  name: x
  labels:
    kim-platform/tenant: "35.02"
    quoted: 'it''s'
spec:
  count: 3
  ratio: 0.5
  on_off: true
  nothing: null
  empty: {}
  none: []
  roles: [controller, "broker"]
  items:
    - name: a
      value: "1"
    - plain
    -
      nested: yes-no
  same_indent:
  - one
  - two
  "-Xms": 1024m
  url: https://host:8443/path#fragment
"""
    assert load(text) == {
        "apiVersion": "v1",
        "kind": "Thing",
        "metadata": {"name": "x", "labels": {"kim-platform/tenant": "35.02", "quoted": "it's"}},
        "spec": {
            "count": 3,
            "ratio": 0.5,
            "on_off": True,
            "nothing": None,
            "empty": {},
            "none": [],
            "roles": ["controller", "broker"],
            "items": [{"name": "a", "value": "1"}, "plain", {"nested": "yes-no"}],
            "same_indent": ["one", "two"],
            "-Xms": "1024m",
            "url": "https://host:8443/path#fragment",
        },
    }


def test_literal_block_scalars_and_documents() -> None:
    text = """---
a: |-
  - op: replace
    path: /x

  # kept: inside the block
b: |
  line
---
# only a comment
---
c: 1
"""
    assert load_all(text) == [
        {"a": "- op: replace\n  path: /x\n\n# kept: inside the block", "b": "line\n"},
        {"c": 1},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: yes",  # YAML 1.1 boolean
        "a: on",
        "a: 0755",  # octal to some readers
        "a: &anchor 1",
        "a: *alias",
        "a: !!str 1",
        "a: >\n  folded",
        "a: 1\na: 2",  # duplicate key
        "a:\n\t- 1",  # tab
        "a: b: c",
        'a: "unterminated',
        "a: {b: 1}",
        "a:\n  b: 1\n   c: 2",  # bad indentation
        "- - nested",
    ],
)
def test_refuses_what_it_does_not_understand(text: str) -> None:
    with pytest.raises(YamlSubsetError):
        load_all(text)
