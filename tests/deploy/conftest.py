"""Make ``tests.deploy.*`` helpers importable under their full names.

``tests`` is a regular package, so pytest's "prepend" import mode puts the repository
root on ``sys.path`` once it imports a module below it; this makes sure it is there
before the helpers are imported (``tests.deploy.k8s_yaml``), so that mypy and pytest
agree on their module names.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
