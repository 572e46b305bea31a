"""``make bench``: the platform's numbers against their baselines, in one run.

See bench/README.md (section ``make bench``) for what each line measures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.harness import cases, plots
from bench.harness.platform import DEFAULT_PORT_BASE, Platform, platform
from bench.harness.report import Results, Row, load_average, machine, percentiles, text_table
from bench.harness.report import write as write_results
from kim_devstack.paths import repo_root

CASES = ("event-path", "relay", "import", "writes", "reads")


@dataclass(frozen=True)
class Options:
    quick: bool
    port_base: int
    out: Path
    cases: tuple[str, ...]
    rates: tuple[int, ...]
    duration: float
    read_duration: float
    concurrency: int
    scope: str  # imported
    write_scope: str  # villages the writes form KIM in

    @classmethod
    def parse(cls, argv: Sequence[str] | None) -> Options:
        p = argparse.ArgumentParser(prog="bench/run.py", description=(__doc__ or "").split("\n")[0])
        p.add_argument("--quick", action="store_true", help="tiny loads (smoke test)")
        p.add_argument(
            "--port-base",
            type=int,
            default=int(os.environ.get("KIM_BENCH_PORT_BASE", DEFAULT_PORT_BASE)),
            help="Kafka base+92/93, PostgreSQL base+32, services base+101…104, bare app "
            "base+110 (default KIM_BENCH_PORT_BASE or 37000)",
        )
        p.add_argument("--out", type=Path, default=repo_root() / "bench" / "results")
        p.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
        p.add_argument("--rates", type=int, nargs="+", help="writes/s offered (50 200 500)")
        p.add_argument("--duration", type=float, help="seconds of load per write rate (8)")
        p.add_argument(
            "--read-duration",
            type=float,
            help="seconds per read line, over 3 alternating rounds (9)",
        )
        p.add_argument("--concurrency", type=int, default=16, help="read clients (16)")
        p.add_argument("--scope", help="regions imported (all; --quick: 35.02)")
        a = p.parse_args(argv)
        q = a.quick
        return cls(
            quick=q,
            port_base=a.port_base,
            out=a.out,
            cases=tuple(a.cases),
            rates=tuple(a.rates or ((50,) if q else (50, 200, 500))),
            duration=a.duration or (2.0 if q else 8.0),
            read_duration=a.read_duration or (1.5 if q else 9.0),
            concurrency=a.concurrency,
            scope=a.scope or ("35.02" if q else "all"),
            write_scope="35.02" if q else "35",
        )


def _targets(
    results: Results,
    opts: Options,
    writes: list[cases.WriteRun] | None,
    reads: list[cases.ReadRun] | None,
    imp: cases.Import | None,
) -> None:
    t = results.targets
    if writes:
        for run in writes:
            if run.rate == 200:
                p99 = percentiles(run.event)[2]
                t.append(
                    {
                        "target": "write → event p99 ≤ 100 ms at 200 writes/s",
                        "measured": f"{p99:.0f} ms",
                        "met": "yes" if p99 <= 100 else "no",
                    }
                )
    if reads:
        for read in reads:
            s = [x.latency for x in read.service.samples if x.status == 200]
            b = [x.latency for x in read.bare.samples if x.status == 200]
            ratio = (len(s) / read.service.seconds) / max(len(b) / read.bare.seconds, 1e-9)
            p99 = percentiles(s)[2] / percentiles(b)[2]
            t.append(
                {
                    "target": f"GET {read.path}: ≥ 0.80 x bare req/s, p99 ≤ 1.5 x bare",
                    "measured": f"{ratio:.2f} x req/s, p99 {p99:.2f} x",
                    "met": "yes" if ratio >= 0.8 and p99 <= 1.5 else "no",
                }
            )
    if imp is not None:
        worst = max(imp.until_all.values()) if len(imp.until_all) == 3 else None
        t.append(
            {
                "target": f"all {imp.regions:,} regions in all three projections ≤ 30 s "
                "after the commit",
                "measured": f"{worst:.1f} s" if worst is not None else "not complete",
                "met": "yes" if worst is not None and worst <= 30 else "no",
            }
        )


def run(opts: Options) -> Results:
    with platform(opts.port_base) as plat:
        results = Results(asyncio.run(machine(plat.stack.postgres_url)), _describe(opts))
        figs = opts.out
        figs.mkdir(parents=True, exist_ok=True)
        events = relay = imp = None
        writes: list[cases.WriteRun] | None = None
        reads: list[cases.ReadRun] | None = None
        if "event-path" in opts.cases:
            _say("a. event path")
            rows, events = cases.event_path_case(
                plat, events=1_000 if opts.quick else 30_000, per_event=300 if opts.quick else 4_000
            )
            results.add(*rows)
        if "relay" in opts.cases:
            _say("a. relay per batch size")
            rows, relay = cases.relay_case(
                plat,
                rows_n=1_000 if opts.quick else 20_000,
                batches=(100, 500) if opts.quick else (100, 200, 1000, 5000),
            )
            results.add(*rows)
        if {"import", "writes", "reads"} & set(opts.cases):
            _say("starting the four services")
            plat.start_services()
            results.add(*cases.memory_rows("idle", plat.rss_mib()))
            _say(f"d. import of {opts.scope}")
            rows, imp = cases.import_case(plat, opts.scope, within=120)
            results.add(*rows)
            results.add(*cases.memory_rows("after the import", plat.rss_mib()))
            kim_ids: list[str] = []
            if "writes" in opts.cases or "reads" in opts.cases:
                _say("b. writes")
                rates = opts.rates if "writes" in opts.cases else (10,)
                rows, writes, kim_ids = cases.write_case(
                    plat,
                    rates=rates,
                    duration=opts.duration if "writes" in opts.cases else 0.5,
                    scope=opts.write_scope,
                )
                if "writes" in opts.cases:
                    results.add(*rows)
                else:
                    writes = None
            if "reads" in opts.cases:
                _say("c. reads")
                region = (await_villages(plat, opts.write_scope))[0]
                rows, reads = cases.read_case(
                    plat,
                    kim_id=kim_ids[0],
                    region_code=region,
                    coverage_code="35.02",
                    duration=opts.read_duration,
                    concurrency=opts.concurrency,
                )
                results.add(*rows)
            results.add(*cases.memory_rows("at the end", plat.rss_mib()))
        results.machine["load_after"] = load_average()
        _targets(results, opts, writes, reads, imp)
        if writes:
            results.figures.append(str(plots.writes(writes, figs / "write_latency.png")))
        if reads:
            results.figures.append(str(plots.reads(reads, figs / "read_latency.png")))
        if relay or events:
            results.figures.append(str(plots.throughput(relay, events, figs / "throughput.png")))
        if imp is not None:
            results.figures.append(str(plots.imports(imp, figs / "import.png")))
        return results


def await_villages(plat: Platform, scope: str) -> list[str]:
    return asyncio.run(cases.villages(plat, scope))


def _describe(opts: Options) -> dict[str, object]:
    return {
        "quick": opts.quick,
        "cases": list(opts.cases),
        "rates": list(opts.rates),
        "duration_s": opts.duration,
        "read_duration_s": opts.read_duration,
        "read_clients": opts.concurrency,
        "scope": opts.scope,
    }


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    opts = Options.parse(argv)
    results = run(opts)
    written = write_results(results, opts.out)
    print()
    print(text_table(results))
    print()
    for target in results.targets:
        print(f"target: {target['target']}: {target['measured']} (met: {target['met']})")
    print(f"\nwrote {', '.join(str(p) for p in [*written, *results.figures])}")
    return 0


__all__ = ["CASES", "Options", "Row", "main", "run"]
