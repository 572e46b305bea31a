"""The strict YAML reading of the manifest tests: PyYAML plus the two checks Kubernetes needs."""

from __future__ import annotations

import pytest

from tests.deploy.k8s_yaml import YamlError, load, load_all


def test_manifests_parse_as_kubernetes_reads_them() -> None:
    text = """---
apiVersion: v1
kind: Thing
metadata:
  labels:
    kim-platform/tenant: "35.02"
spec:
  enabled: true
  version: "3.9.0"
  roles: [controller, broker]
  patch: |-
    - op: replace
---
# only a comment
"""
    assert load_all(text) == [
        {
            "apiVersion": "v1",
            "kind": "Thing",
            "metadata": {"labels": {"kim-platform/tenant": "35.02"}},
            "spec": {
                "enabled": True,
                "version": "3.9.0",
                "roles": ["controller", "broker"],
                "patch": "- op: replace",
            },
        }
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: yes",  # YAML 1.1 boolean, a string to Kubernetes
        "a: on",
        "a: No",
        "a: 1\na: 2",  # duplicate key
        "a:\n  b: 1\n  b: 2",
        'a: "unterminated',
        "a:\n\t- 1",  # tab
    ],
)
def test_refuses_what_kubernetes_would_read_otherwise(text: str) -> None:
    with pytest.raises(YamlError):
        load(text)
