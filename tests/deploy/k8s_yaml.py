"""Reading the Kubernetes manifests with PyYAML, strictly.

PyYAML's safe loader parses the manifests; two checks are added so that a manifest the
tests accept means the same to ``kubectl`` (YAML 1.2 via sigs.k8s.io/yaml):

- a key repeated in one mapping is refused (PyYAML keeps the last one silently);
- YAML 1.1 booleans other than true/false (``yes``, ``no``, ``on``, ``off``, ``y``, ``n``)
  are refused: PyYAML reads them as booleans, Kubernetes tooling as strings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode


class YamlError(ValueError):
    """The text is not YAML, or uses a construct the manifests must not use."""


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise YamlError(f"duplicate key {key!r} {key_node.start_mark}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        if node.value.lower() not in ("true", "false"):
            raise YamlError(
                f"{node.value!r} is a boolean to YAML 1.1 but a string to Kubernetes; "
                f"quote it or write true/false {node.start_mark}"
            )
        return bool(super().construct_yaml_bool(node))


_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _StrictLoader.construct_yaml_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)


def load_all(text: str, source: str = "<string>") -> list[Any]:
    """Every non-empty document of a YAML stream."""
    try:
        return [d for d in yaml.load_all(text, Loader=_StrictLoader) if d is not None]
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: {exc}") from exc


def load(text: str, source: str = "<string>") -> Any:
    """The only document of a YAML stream."""
    documents = load_all(text, source)
    if len(documents) != 1:
        raise YamlError(f"{source}: expected one document, found {len(documents)}")
    return documents[0]


def load_file(path: Path) -> list[Any]:
    return load_all(path.read_text(encoding="utf-8"), str(path))
