"""Render a kustomization the way ``kustomize build`` would, for the features
``deploy/k8s`` uses, so tests can inspect what an overlay really deploys
without the kustomize binary.

Supported kustomization fields: ``resources`` (files and directories),
``namespace``, ``labels`` (``pairs``, ``includeSelectors: false``,
``includeTemplates``), ``images``, ``configMapGenerator`` (``literals``;
``behavior`` create or merge) and ``patches`` as JSON 6902 operation lists
with a ``target`` selecting by kind/name. Any other field, or a strategic-merge
patch, raises :class:`UnsupportedKustomization`: the manifests are kept
within what this renderer checks, instead of the renderer guessing.

Differences from kustomize, on purpose: generated ConfigMaps keep their name
(kustomize appends a content hash and rewrites the references to it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.k8s_yaml import load, load_all, load_file

KUSTOMIZATION = "kustomization.yaml"
SUPPORTED_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "resources",
        "labels",
        "images",
        "configMapGenerator",
        "patches",
    }
)
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding"})

Doc = dict[str, Any]


class UnsupportedKustomization(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    directory: Path
    documents: list[Doc]

    def of_kind(self, kind: str) -> list[Doc]:
        return [d for d in self.documents if d["kind"] == kind]

    def get(self, kind: str, name: str) -> Doc:
        found = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        if len(found) != 1:
            raise KeyError(f"{kind}/{name}: found {len(found)}")
        return found[0]


def read_kustomization(directory: Path) -> Doc:
    path = directory / KUSTOMIZATION
    doc = load(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(doc, dict):
        raise UnsupportedKustomization(f"{path}: not a mapping")
    unknown = set(doc) - SUPPORTED_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"{path}: unsupported fields {sorted(unknown)}")
    return doc


def build(directory: Path) -> Rendered:
    directory = directory.resolve()
    kustomization = read_kustomization(directory)
    docs: list[Doc] = []
    for entry in kustomization.get("resources") or []:
        target = (directory / entry).resolve()
        if target.is_dir():
            docs.extend(build(target).documents)
        elif target.is_file():
            docs.extend(copy.deepcopy(d) for d in load_file(target))
        else:
            raise FileNotFoundError(f"{directory / KUSTOMIZATION}: resource {entry!r} not found")
    for generator in kustomization.get("configMapGenerator") or []:
        _generate_config_map(docs, generator, directory)
    for patch in kustomization.get("patches") or []:
        _apply_patch(docs, patch, directory)
    for label in kustomization.get("labels") or []:
        _add_labels(docs, label, directory)
    for image in kustomization.get("images") or []:
        _set_image(docs, image)
    namespace = kustomization.get("namespace")
    if namespace:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    _check_unique(docs, directory)
    return Rendered(directory, docs)


def _check_unique(docs: list[Doc], directory: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        key = (doc["kind"], doc["metadata"]["name"])
        if key in seen:
            raise UnsupportedKustomization(f"{directory}: {key[0]}/{key[1]} defined twice")
        seen.add(key)


def _generate_config_map(docs: list[Doc], generator: Doc, directory: Path) -> None:
    allowed = {"name", "behavior", "literals"}
    if set(generator) - allowed:
        raise UnsupportedKustomization(f"{directory}: configMapGenerator fields {set(generator)}")
    data: dict[str, str] = {}
    for literal in generator.get("literals") or []:
        if not isinstance(literal, str) or "=" not in literal:
            raise UnsupportedKustomization(f"{directory}: literal {literal!r} is not KEY=value")
        key, value = literal.split("=", 1)
        data[key] = value
    name = generator["name"]
    behavior = generator.get("behavior", "create")
    existing = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name]
    if behavior == "create":
        if existing:
            raise UnsupportedKustomization(f"{directory}: ConfigMap {name} already exists")
        docs.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
        )
    elif behavior in ("merge", "replace"):
        if len(existing) != 1:
            raise UnsupportedKustomization(f"{directory}: no ConfigMap {name} to {behavior}")
        if behavior == "replace":
            existing[0]["data"] = {}
        existing[0].setdefault("data", {}).update(data)
    else:
        raise UnsupportedKustomization(f"{directory}: behavior {behavior!r}")


def matches(doc: Doc, target: Doc) -> bool:
    allowed = {"kind", "name", "group", "version"}
    if set(target) - allowed:
        raise UnsupportedKustomization(f"target fields {set(target)}")
    if "kind" in target and doc["kind"] != target["kind"]:
        return False
    if "name" in target and doc["metadata"]["name"] != target["name"]:
        return False
    api_version: str = doc["apiVersion"]
    group, _, version = api_version.rpartition("/")
    if "group" in target and group != target["group"]:
        return False
    return not ("version" in target and version != target["version"])


def patch_operations(patch: Doc, directory: Path) -> list[Doc]:
    """The JSON 6902 operations of one ``patches`` entry (inline or from a file)."""
    if "patch" in patch:
        ops = load_all(patch["patch"], f"{directory / KUSTOMIZATION} (inline patch)")
    elif "path" in patch:
        ops = load_file(directory / patch["path"])
    else:
        raise UnsupportedKustomization(f"{directory}: patch without 'patch' or 'path'")
    if len(ops) != 1 or not isinstance(ops[0], list):
        raise UnsupportedKustomization(
            f"{directory}: only JSON 6902 patches (a list of operations) are supported"
        )
    result: list[Doc] = ops[0]
    return result


def _apply_patch(docs: list[Doc], patch: Doc, directory: Path) -> None:
    if set(patch) - {"patch", "path", "target"} or "target" not in patch:
        raise UnsupportedKustomization(f"{directory}: patch entries need a target: {patch}")
    ops = patch_operations(patch, directory)
    targets = [d for d in docs if matches(d, patch["target"])]
    if not targets:
        raise UnsupportedKustomization(
            f"{directory}: patch target {patch['target']} matches nothing"
        )
    for doc in targets:
        for op in ops:
            apply_operation(doc, op)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise UnsupportedKustomization(f"JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _step(node: Any, token: str, path: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise KeyError(f"{path}: no {token!r}")
        return node[token]
    if isinstance(node, list):
        return node[int(token)]
    raise KeyError(f"{path}: cannot descend into {type(node).__name__}")


def apply_operation(doc: Doc, op: Doc) -> None:
    kind = op.get("op")
    tokens = _pointer(op["path"])
    parent: Any = doc
    for token in tokens[:-1]:
        parent = _step(parent, token, op["path"])
    last = tokens[-1]
    if kind == "replace":
        _step(parent, last, op["path"])  # must exist
        if isinstance(parent, list):
            parent[int(last)] = copy.deepcopy(op["value"])
        else:
            parent[last] = copy.deepcopy(op["value"])
    elif kind == "add":
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            parent.insert(index, copy.deepcopy(op["value"]))
        elif isinstance(parent, dict):
            parent[last] = copy.deepcopy(op["value"])
        else:
            raise KeyError(f"{op['path']}: parent is not a collection")
    elif kind == "remove":
        _step(parent, last, op["path"])
        if isinstance(parent, list):
            del parent[int(last)]
        else:
            del parent[last]
    else:
        raise UnsupportedKustomization(f"JSON 6902 op {kind!r}")


def _add_labels(docs: list[Doc], label: Doc, directory: Path) -> None:
    if set(label) - {"pairs", "includeSelectors", "includeTemplates"}:
        raise UnsupportedKustomization(f"{directory}: labels fields {set(label)}")
    if label.get("includeSelectors"):
        raise UnsupportedKustomization(
            f"{directory}: includeSelectors would change immutable selectors"
        )
    pairs: dict[str, str] = label["pairs"]
    for doc in docs:
        doc["metadata"].setdefault("labels", {}).update(pairs)
        template = doc.get("spec", {}).get("template") if doc["kind"] == "Deployment" else None
        if label.get("includeTemplates") and template is not None:
            template["metadata"].setdefault("labels", {}).update(pairs)


def _set_image(docs: list[Doc], image: Doc) -> None:
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            name, _, _ = container["image"].partition(":")
            if name != image["name"]:
                continue
            new_name = image.get("newName", name)
            tag = image.get("newTag")
            digest = image.get("digest")
            container["image"] = (
                f"{new_name}@{digest}" if digest else f"{new_name}:{tag}" if tag else new_name
            )
