"""Smoke test of the benchmark harness (``make bench``): its quick mode runs end to end on
the test stack and writes a table with every case, the results files and the figures.
No timing is asserted: the numbers are the harness's business, not the test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kim_devstack.paths import repo_root
from kim_devstack.testing import services_base_port

pytestmark = pytest.mark.integration

LINES = (
    "event path: raw-per-event",
    "event path: kit-batch",
    "outbox relay, batch",
    "plain COPY of the",
    "import_regions(",
    "regions in mentoring's projection",
    "RSS registry, idle",
    "RSS content, after the import",
    "HTTP POST /kim answered @ 50/s",
    "POST → event seen by an outside consumer @ 50/s",
    "POST → row in content's kim_projection @ 50/s",
    "offered load at which write → event p99 passes 100 ms",
    "GET /regions/35.02.",
    "GET /kim/",
    "GET /coverage/35.02 (bare FastAPI + asyncpg)",
    "GET /coverage/35.02 (registry)",
)
FIGURES = ("write_latency.png", "read_latency.png", "throughput.png", "import.png")


@pytest.mark.timeout(120)
def test_quick_run_writes_table_results_and_figures(stack, tmp_path):
    env = {
        **os.environ,
        "KIM_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "KIM_POSTGRES_URL": stack.postgres_url,
    }
    # Services on base+101…104 and the bare app on base+110: clear of the test services.
    port_base = services_base_port() + 300
    argv = [sys.executable, "bench/run.py", "--quick", "--port-base", str(port_base)]
    done = subprocess.run(
        [*argv, "--out", str(tmp_path)],
        cwd=repo_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for line in LINES:
        assert line in done.stdout, f"{line!r} missing from the table:\n{done.stdout}"
    for name in FIGURES:
        figure = tmp_path / name
        assert figure.stat().st_size > 1000
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = json.loads((tmp_path / "latest.json").read_text())
    machine = {"cpus", "load_before", "python", "kafka", "postgres", "date"}
    assert machine <= results["machine"].keys()
    assert {row["case"] for row in results["rows"]} == {"a", "b", "c", "d", "e"}
    assert "| case | line |" in (tmp_path / "latest.md").read_text()
