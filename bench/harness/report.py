"""Results: the table (printed, Markdown, JSON) and the machine they were measured on."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from kim_devstack.paths import repo_root


@dataclass
class Row:
    case: str  # "a" … "e"
    line: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    value: float | None = None  # the line's throughput or amount
    unit: str = ""
    baseline: str = ""  # the line it is compared with
    ratio: float | None = None  # against the baseline (see ``ratio_is``)
    ratio_is: str = ""
    note: str = ""


@dataclass
class Results:
    machine: dict[str, Any]
    options: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 of ``values`` (seconds) in milliseconds (nan when empty)."""
    if len(values) < 2:
        v = values[0] * 1000 if values else float("nan")
        return v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or nan
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


COLUMNS = ("case", "line", "p50 ms", "p95 ms", "p99 ms", "value", "x baseline", "note")


def _cells(r: Row) -> list[str]:
    value = f"{_fmt(r.value)} {r.unit}".strip() if r.value is not None else ""
    ratio = f"{r.ratio:.2f} {r.ratio_is}".strip() if r.ratio is not None else ""
    if r.baseline and ratio:
        ratio = f"{ratio} (vs {r.baseline})"
    return [r.case, r.line, _fmt(r.p50_ms), _fmt(r.p95_ms), _fmt(r.p99_ms), value, ratio, r.note]


def text_table(results: Results) -> str:
    rows = [list(COLUMNS), *(_cells(r) for r in results.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(results: Results) -> str:
    m = results.machine
    out = [
        "# `make bench` — results",
        "",
        f"Run {m['date']} on {m['cpus']} CPUs ({m['cpu_model']}), load average "
        f"{m['load_before']} before and {m.get('load_after', '?')} after; Python "
        f"{m['python']}, Kafka {m['kafka']}, {m['postgres']}; uvicorn {m['uvicorn']} "
        f"({m['uvicorn_options']}). Options: `{results.options}`.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    out += [
        "| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in results.rows
    ]
    if results.targets:
        out += ["", "| target | measured | met |", "|---|---|---|"]
        out += [f"| {t['target']} | {t['measured']} | {t['met']} |" for t in results.targets]
    if results.figures:
        out += ["", *(f"![{Path(f).stem}]({Path(f).name})" for f in results.figures)]
    return "\n".join(out) + "\n"


def write(results: Results, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / "latest.md", out_dir / "latest.json"
    md.write_text(markdown(results))
    data = asdict(results)
    js.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return [md, js]


# --- the machine ------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _kafka_version() -> str:
    libs = repo_root() / "deploy" / "local" / ".kafka" / "libs"
    for jar in sorted(libs.glob("kafka-server-[0-9]*.jar")):
        return jar.stem.removeprefix("kafka-server-")
    return os.environ.get("KIM_KAFKA_BOOTSTRAP_SERVERS", "?")


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=repo_root(),
            check=False,
        ).stdout.strip()
    except OSError:
        return "?"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def machine(postgres_url: str) -> dict[str, Any]:
    import uvicorn

    from kim_devstack.services import UVICORN_OPTIONS

    conn = await asyncpg.connect(postgres_url)
    try:
        pg = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_before": load_average(),
        "python": platform.python_version(),
        "kafka": _kafka_version(),
        "postgres": f"PostgreSQL {pg}",
        "uvicorn": uvicorn.__version__,
        "uvicorn_options": " ".join(UVICORN_OPTIONS),
        "git": _git_commit(),
    }
