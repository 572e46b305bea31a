"""``make bench``: run the benchmark harness (bench/harness) and write bench/results/.

uv run python bench/run.py                 # the whole run (a few minutes)
uv run python bench/run.py --quick         # tiny loads, seconds (the smoke test)
uv run python bench/run.py --cases reads --read-duration 10 --port-base 32000
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from bench.harness.main import main

if __name__ == "__main__":
    sys.exit(main())
