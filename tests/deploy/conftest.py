"""Make ``tests.deploy.*`` helpers importable under their full names.

``tests/`` has no ``__init__.py`` (pytest's rootdir-less "prepend" import
mode), so the repository root is not on ``sys.path`` by itself; the helpers
are imported as ``tests.deploy.k8s_yaml`` so that mypy and pytest agree on
their module names.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
