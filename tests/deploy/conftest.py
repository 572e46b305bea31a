"""Fixtures of the deploy tests: the base and the overlays, rendered once by kustomize.

``tests`` is a regular package, so pytest's "prepend" import mode puts the repository
root on ``sys.path`` once it imports a module below it; this makes sure it is there
before the helpers are imported (``tests.deploy.rendering``), so that mypy and pytest
agree on their module names.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from tests.deploy.rendering import Rendered, build  # noqa: E402
from tests.deploy.support import BASE, OVERLAYS  # noqa: E402


@pytest.fixture(scope="session")
def base() -> Rendered:
    return build(BASE)


@pytest.fixture(scope="session")
def overlays() -> dict[str, Rendered]:
    return {name: build(BASE.parent / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(scope="session")
def environments(base: Rendered, overlays: dict[str, Rendered]) -> dict[str, Rendered]:
    """The base and every overlay, by name."""
    return {"base": base, **overlays}
