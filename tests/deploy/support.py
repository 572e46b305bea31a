"""What the deploy tests share: names, the rendered environments, selector logic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.deploy.rendering import K8S, Rendered

BASE = K8S / "base"
OVERLAYS = {"kabupaten-ponorogo": ("kim-ponorogo", "35.02"), "provinsi-jatim": ("kim-jatim", "35")}
SERVICES = ("registry", "content", "marketplace", "mentoring")
PORTAL = "portal"
DEPLOYABLES = (*SERVICES, PORTAL)
KAFKA_CLUSTER = "kim-kafka"
CONFIG_MAP = "kim-platform-config"
PORTAL_CONFIG_MAP = "kim-portal-config"
CONTAINER_PORT = 8000

Doc = dict[str, Any]


def container(deployment: Doc) -> Doc:
    containers: list[Doc] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per pod"
    return containers[0]


def pod_labels(rendered: Rendered, name: str) -> dict[str, str]:
    labels: dict[str, str] = rendered.get("Deployment", name)["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    match: dict[str, str] = selector.get("matchLabels") or {}
    if set(selector) - {"matchLabels"}:
        raise AssertionError(f"only matchLabels selectors are used: {selector}")
    return all(labels.get(k) == v for k, v in match.items())


def container_env(rendered: Rendered, deployment: Doc) -> dict[str, str]:
    """The environment a container starts with: its ConfigMaps (which must exist in the
    rendering, under kustomize's hashed names), then its own values; a Secret reference
    reads as ``secret:<name>/<key>``."""
    c = container(deployment)
    env: dict[str, str] = {}
    for source in c.get("envFrom", []):
        name = source["configMapRef"]["name"]
        env.update(rendered.get("ConfigMap", name)["data"])
    for item in c.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")
