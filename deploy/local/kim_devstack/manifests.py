"""Kubernetes manifests generated from the topic catalogue.

:data:`kim_shared.events.topics.CATALOGUE` is the only place topics are
declared (DESIGN §3). This module renders it, as pure functions, into

* Strimzi ``KafkaTopic`` resources for every topic and its dead-letter topic
  (``deploy/k8s/base/kafka/topics.yaml``), and
* an example ``KafkaUser`` for an external agency that may read the public
  topics and nothing else (``deploy/k8s/examples/kafkauser-agency-readonly.yaml``).

Both files are committed; ``kim manifests write`` regenerates them and
``kim manifests check`` (and ``tests/deploy``) fail when they drift from the
catalogue. YAML is written by hand (block style, strings quoted when a YAML
reader could take them for something else) so the generator needs no YAML
library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kim_shared.events.topics import CATALOGUE, TopicSpec, declared_topics

STRIMZI_API_VERSION = "kafka.strimzi.io/v1"  # Strimzi 1.0+ serves only v1
DEFAULT_CLUSTER = "kim-kafka"
DEFAULT_REPLICAS = 3
EXAMPLE_AGENCY_USER = "agency-example"

TOPICS_PATH = Path("deploy/k8s/base/kafka/topics.yaml")
AGENCY_USER_PATH = Path("deploy/k8s/examples/kafkauser-agency-readonly.yaml")

REGENERATE_HINT = "uv run kim manifests write"

# A YAML value (the subset this module writes).
Yaml = str | int | bool | None | Sequence["Yaml"] | Mapping[str, "Yaml"]


# --------------------------------------------------------------------------- YAML


_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_.\-/]*$")
# Words some YAML readers (YAML 1.1, as in Kubernetes tooling) turn into booleans or null.
_RESERVED = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
    | {"Y", "N", "Yes", "No", "On", "Off", "True", "False", "Null", "NULL", "TRUE", "FALSE"}
    | {"YES", "NO", "ON", "OFF"}
)


def yaml_scalar(value: str | int | bool | None) -> str:
    """One scalar: plain when unambiguous, else a double-quoted (JSON) string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if _PLAIN.match(value) and value not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def _is_collection(value: Yaml) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _block(value: Yaml, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{pad}{yaml_scalar(key)}:"
            if _is_collection(item) and item:
                lines.append(head)
                lines.extend(_block(item, indent + 2))
            else:
                lines.append(f"{head} {_inline(item)}")
        return lines
    if isinstance(value, list | tuple):
        for item in value:
            if _is_collection(item) and item:
                nested = _block(item, indent + 2)
                # "- " takes the place of the first nested line's indentation.
                lines.append(f"{pad}- {nested[0][indent + 2 :]}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
        return lines
    raise TypeError(f"not a collection: {value!r}")


def _inline(value: Yaml) -> str:
    if value is None or isinstance(value, str | int | bool):
        return yaml_scalar(value)
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, list | tuple) and not value:
        return "[]"
    raise TypeError(f"non-empty collections are written in block style: {value!r}")


def to_yaml(documents: Iterable[Mapping[str, Yaml]], header: Sequence[str] = ()) -> str:
    """Documents in block style, separated by ``---``, with ``#`` header lines."""
    out = [f"# {line}".rstrip() for line in header]
    for doc in documents:
        out.append("---")
        out.extend(_block(doc, 0))
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------- resources


def min_insync_replicas(replicas: int) -> int:
    """Writes (``acks=all``) survive one broker down: 2 of 3; never above replicas-1."""
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    return max(1, min(2, replicas - 1))


def is_dead_letter(spec: TopicSpec) -> bool:
    return spec.kind == "dead_letter"


def topic_kind(spec: TopicSpec) -> str:
    """``public`` (state and fact topics of the catalogue), ``dead-letter`` or ``internal``
    (operator tools' own topics): the label that decides who may read a topic."""
    return {"dead_letter": "dead-letter", "internal": "internal"}.get(spec.kind, "public")


def _config_value(value: str) -> str | int:
    # Strimzi's examples write numbers as numbers; Kafka reads both.
    return int(value) if re.fullmatch(r"-?\d+", value) else value


def kafka_topic(spec: TopicSpec, *, cluster: str, replicas: int) -> dict[str, Yaml]:
    """The Strimzi ``KafkaTopic`` of one catalogue entry."""
    config: dict[str, Yaml] = {k: _config_value(v) for k, v in spec.configs().items()}
    config["min.insync.replicas"] = min_insync_replicas(replicas)
    return {
        "apiVersion": STRIMZI_API_VERSION,
        "kind": "KafkaTopic",
        "metadata": {
            "name": spec.name,
            "labels": {
                "strimzi.io/cluster": cluster,
                "app.kubernetes.io/part-of": "kim-platform",
                "kim-platform/topic-kind": topic_kind(spec),
            },
            "annotations": {"kim-platform/description": spec.description},
        },
        "spec": {
            # Explicit, so that a kustomize name prefix/suffix never renames the Kafka topic.
            "topicName": spec.name,
            "partitions": spec.partitions,
            "replicas": replicas,
            "config": config,
        },
    }


def topic_manifests(
    *,
    cluster: str = DEFAULT_CLUSTER,
    replicas: int = DEFAULT_REPLICAS,
    catalogue: tuple[TopicSpec, ...] = CATALOGUE,
) -> list[dict[str, Yaml]]:
    return [
        kafka_topic(spec, cluster=cluster, replicas=replicas) for spec in declared_topics(catalogue)
    ]


def public_topics(catalogue: tuple[TopicSpec, ...] = CATALOGUE) -> list[str]:
    """Topics other agencies may read: the catalogue, never a dead-letter topic."""
    return [spec.name for spec in catalogue if not is_dead_letter(spec)]


def agency_user(
    name: str = EXAMPLE_AGENCY_USER,
    *,
    cluster: str = DEFAULT_CLUSTER,
    catalogue: tuple[TopicSpec, ...] = CATALOGUE,
) -> dict[str, Yaml]:
    """A read-only ``KafkaUser`` (SCRAM-SHA-512) for an external agency.

    It may read and describe each public topic (literal names: dead-letter
    topics hold raw rejected messages and stay internal) and use consumer
    groups whose names start with ``<name>.``. No write, no cluster rights.
    """
    acls: list[Yaml] = [
        {
            "resource": {"type": "topic", "name": topic, "patternType": "literal"},
            "operations": ["Read", "Describe"],
        }
        for topic in public_topics(catalogue)
    ]
    acls.append(
        {
            "resource": {"type": "group", "name": f"{name}.", "patternType": "prefix"},
            "operations": ["Read", "Describe"],
        }
    )
    return {
        "apiVersion": STRIMZI_API_VERSION,
        "kind": "KafkaUser",
        "metadata": {
            "name": name,
            "labels": {
                "strimzi.io/cluster": cluster,
                "app.kubernetes.io/part-of": "kim-platform",
                "kim-platform/user-kind": "external-agency",
            },
        },
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls},
            # 2 MiB/s per agency: a slow or greedy reader cannot starve the platform.
            "quotas": {"consumerByteRate": 2_097_152, "requestPercentage": 25},
        },
    }


# ------------------------------------------------------------------- rendering


def render_topics(*, cluster: str = DEFAULT_CLUSTER, replicas: int = DEFAULT_REPLICAS) -> str:
    header = (
        f"GENERATED by `{REGENERATE_HINT}` from kim_shared.events.topics.CATALOGUE.",
        "Do not edit by hand: change the catalogue and regenerate; a test compares them.",
        f"Strimzi cluster {cluster!r}, {replicas} replicas per partition, "
        f"min.insync.replicas {min_insync_replicas(replicas)}.",
    )
    return to_yaml(topic_manifests(cluster=cluster, replicas=replicas), header)


def render_agency_user(name: str = EXAMPLE_AGENCY_USER, *, cluster: str = DEFAULT_CLUSTER) -> str:
    header = (
        f"GENERATED by `{REGENERATE_HINT}` from kim_shared.events.topics.CATALOGUE.",
        "Example: copy per agency (metadata.name = agency id, group prefix = '<name>.'),",
        "apply in the platform namespace; Strimzi creates the Secret with the password.",
        "Not part of any kustomization on purpose: each agency is granted explicitly.",
    )
    return to_yaml([agency_user(name, cluster=cluster)], header)


@dataclass(frozen=True)
class GeneratedFile:
    path: Path  # relative to the repository root
    content: str


def generated_files() -> list[GeneratedFile]:
    """Every committed file this module owns, with its expected content."""
    return [
        GeneratedFile(TOPICS_PATH, render_topics()),
        GeneratedFile(AGENCY_USER_PATH, render_agency_user()),
    ]


def write_manifests(root: Path) -> list[Path]:
    """Write the generated files under ``root``; return those whose content changed."""
    changed: list[Path] = []
    for item in generated_files():
        target = root / item.path
        if target.exists() and target.read_text(encoding="utf-8") == item.content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.content, encoding="utf-8")
        changed.append(item.path)
    return changed


def stale_manifests(root: Path) -> list[Path]:
    """Generated files under ``root`` that are missing or differ from the catalogue."""
    stale: list[Path] = []
    for item in generated_files():
        target = root / item.path
        if not target.exists() or target.read_text(encoding="utf-8") != item.content:
            stale.append(item.path)
    return stale
