"""Render ``deploy/k8s`` with the real ``kustomize`` and read it with PyYAML.

kustomize is built from source by ``make kustomize`` into ``.tools/`` (ignored, like the
Kafka jars), at the version pinned in the Makefile. :func:`kustomize_binary` runs that
target, so a clean clone builds it on the first test run; when it cannot be built the
tests fail with make's output (they never skip).
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION = "kustomization.yaml"
KUSTOMIZE = ROOT / ".tools" / "bin" / "kustomize"

Doc = dict[str, Any]


class KustomizeUnavailable(RuntimeError):
    """``make kustomize`` failed: the manifest tests cannot render anything."""


@functools.cache
def kustomize_binary() -> Path:
    """The pinned kustomize, built by ``make kustomize`` when it is missing."""
    made = subprocess.run(
        ["make", "--no-print-directory", "kustomize"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if made.returncode != 0 or not KUSTOMIZE.is_file():
        raise KustomizeUnavailable(
            f"`make kustomize` failed (exit {made.returncode}):\n{made.stdout}\n{made.stderr}"
        )
    return KUSTOMIZE


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

    def generated_config_map(self, name: str) -> Doc:
        """A ``configMapGenerator`` ConfigMap: kustomize appends a hash of its content."""
        pattern = re.compile(rf"{re.escape(name)}-[a-z0-9]{{10}}")
        found = [d for d in self.of_kind("ConfigMap") if pattern.fullmatch(d["metadata"]["name"])]
        if len(found) != 1:
            raise KeyError(f"ConfigMap {name}-<hash>: found {len(found)}")
        return found[0]


@functools.cache
def build(directory: Path) -> Rendered:
    """``kustomize build <directory>``, parsed; a failing build fails the caller."""
    done = subprocess.run(
        [str(kustomize_binary()), "build", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"kustomize build {directory} failed:\n{done.stderr}")
    documents = [d for d in yaml.safe_load_all(done.stdout) if d is not None]
    return Rendered(directory, documents)


def load_file(path: Path) -> list[Any]:
    """Every non-empty YAML document of a committed file."""
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def read_kustomization(directory: Path) -> Doc:
    (doc,) = load_file(directory / KUSTOMIZATION)
    assert isinstance(doc, dict), directory
    return doc
