"""The figures: every measured line drawn next to its baseline from the same run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bench.harness.cases import EventPath, Import, ReadRun, Relay, WriteRun


def _ecdf(ax: Axes, seconds: Sequence[float], label: str, **style: object) -> None:
    if not seconds:
        return
    xs = sorted(s * 1000 for s in seconds)
    ys = [(i + 1) / len(xs) for i in range(len(xs))]
    ax.step(xs, ys, where="post", label=f"{label} (n={len(xs)})", **style)  # type: ignore[arg-type]


def writes(runs: Sequence[WriteRun], path: Path) -> Path:
    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        _ecdf(ax, run.http, "baseline: HTTP answer", color="grey", linestyle="--")
        _ecdf(ax, run.event, "event seen (plain consumer)")
        _ecdf(ax, run.projection, "row in content projection")
        ax.axvline(100, color="red", linewidth=0.8, label="100 ms")
        ax.set_xscale("log")
        ax.set_xlabel("ms since the POST was due")
        ax.set_ylabel("fraction of writes")
        ax.set_title(f"POST /kim at {run.rate}/s offered")
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def reads(runs: Sequence[ReadRun], path: Path) -> Path:
    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        for who, out, style in (
            ("baseline: bare app", run.bare, {"color": "grey", "linestyle": "--"}),
            ("registry", run.service, {}),
        ):
            ok = [s.latency for s in out.samples if s.status == 200]
            _ecdf(ax, ok, f"{who}, {len(ok) / out.seconds:,.0f} req/s", **style)
        ax.set_xscale("log")
        ax.set_xlabel("ms per request (closed loop)")
        ax.set_ylabel("fraction of requests")
        ax.set_title(f"GET {run.path}", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def throughput(relay: Relay | None, events: EventPath | None, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), squeeze=False)
    left, right = axes[0]
    if relay is not None:
        sizes = sorted(relay.per_batch)
        left.plot(sizes, [relay.per_batch[s] for s in sizes], marker="o", label="outbox relay")
        left.axhline(relay.baseline, color="grey", linestyle="--", label="baseline: producer only")
        left.set_xscale("log")
        left.set_xlabel("relay batch size (events)")
        left.set_ylabel("events/s")
        left.set_ylim(bottom=0)
        left.set_title("Outbox relay throughput per batch size")
        left.legend(fontsize=8)
        left.grid(alpha=0.3)
    if events is not None:
        pairs = [
            ("per event", "raw-per-event", "kit-per-event"),
            ("batch", "raw-batched", "kit-batch"),
        ]
        xs = range(len(pairs))
        right.bar(
            [x - 0.2 for x in xs],
            [events.rates.get(r, 0) for _, r, _ in pairs],
            0.4,
            label="baseline: raw aiokafka + asyncpg",
            color="grey",
        )
        right.bar(
            [x + 0.2 for x in xs],
            [events.rates.get(k, 0) for _, _, k in pairs],
            0.4,
            label="kit consumer",
        )
        right.set_xticks(list(xs), [p for p, _, _ in pairs])
        right.set_ylabel("events/s")
        right.set_title("Event path: consumer shape")
        right.legend(fontsize=8)
        right.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def imports(imp: Import, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    for service, points in imp.progress.items():
        ax.plot([t for t, _ in points], [n for _, n in points], label=f"{service} projection")
    ax.axvline(imp.copy_s, color="grey", linestyle="--", label="baseline: plain COPY of the rows")
    ax.axvline(30, color="red", linewidth=0.8, label="30 s target")
    ax.axhline(imp.regions, color="black", linewidth=0.5)
    ax.set_xlabel("seconds after the import's commit")
    ax.set_ylabel("regions in the projection")
    ax.set_title(f"Import of {imp.regions:,} regions ({imp.scope}): projections filling up")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
