"""An invariant checker over what the clients were told and what the platform shows, in the
spirit of Jepsen's checkers: record a history, then judge it once everything has settled.

Vocabulary:

* an **acknowledged write** (:class:`Write`) is an operation the client saw succeed, with
  the aggregate it changed (``key``) and an identity of its own (``op``: a KIM's name after
  a rename, a listing id, an event id …). The order of the history is the order the client
  saw the acknowledgements; for one key that is the order the platform must keep.
* a **stage** is a place the writes must reach: a topic (read from the beginning) or a
  consumer's effects (its inbox rows, the rows it wrote, what an API shows). A stage is a
  sequence of :class:`Seen` observations, in the stage's own order (offsets for a topic,
  application order for a consumer when it is known).
* a **final state** is what a projection holds per key (only the latest op is visible).

The checker reports, per stage: acknowledged writes never seen (**lost**), writes seen more
than once (**duplicated**: an error for an effect, counted but allowed on a topic, where a
producer retry may repeat a record that consumers then dedupe), keys whose writes were
first seen in another order than acknowledged (**reordered**), and ops seen that were never
acknowledged (**unacknowledged**: a write whose answer the client lost may still commit, as
Jepsen's indeterminate operations; reported, not an error). Per final state: keys whose
value is not the last acknowledged op (**stale**) or missing. :meth:`Report.clean` is what
tests assert; ``str(report)`` explains what is wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SHOWN = 10
"""Examples shown per kind of violation in a report."""


@dataclass(frozen=True)
class Write:
    """An acknowledged write: ``op`` changed aggregate ``key``."""

    key: str
    op: str


@dataclass(frozen=True)
class Seen:
    """One observation of ``op`` (on aggregate ``key``) at a stage."""

    key: str
    op: str


@dataclass(frozen=True)
class StageReport:
    name: str
    observed: int
    """Observations at the stage (copies included)."""
    distinct: int
    """Distinct ops observed."""
    lost: tuple[str, ...]
    duplicated: tuple[tuple[str, int], ...]
    """``(op, times seen)`` for every op seen more than once."""
    reordered: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]
    """``(key, acknowledged order, observed order)`` for every key out of order."""
    unacknowledged: tuple[str, ...]
    duplicates_allowed: bool

    @property
    def clean(self) -> bool:
        dup_ok = self.duplicates_allowed or not self.duplicated
        return not self.lost and not self.reordered and dup_ok

    @property
    def copies(self) -> int:
        """Observations beyond the first of each op (extra records on a topic)."""
        return self.observed - self.distinct

    def lines(self) -> list[str]:
        verdict = "ok" if self.clean else "VIOLATED"
        out = [
            f"{self.name}: {verdict} — {self.distinct} distinct, {self.observed} observed, "
            f"{len(self.lost)} lost, {len(self.duplicated)} duplicated"
            f"{' (allowed here)' if self.duplicates_allowed and self.duplicated else ''}, "
            f"{len(self.reordered)} keys reordered, {len(self.unacknowledged)} unacknowledged"
        ]
        if self.lost:
            out.append(f"    lost: {_some(self.lost)}")
        if self.duplicated and not self.duplicates_allowed:
            out.append(f"    duplicated: {_some(f'{op} x{n}' for op, n in self.duplicated)}")
        for key, acked, seen in self.reordered[:SHOWN]:
            out.append(f"    reordered {key}: acknowledged {list(acked)}, seen {list(seen)}")
        return out


@dataclass(frozen=True)
class FinalReport:
    name: str
    keys: int
    stale: tuple[tuple[str, str, str | None], ...]
    """``(key, last acknowledged op, op held)`` where they differ (``None``: key missing)."""

    @property
    def clean(self) -> bool:
        return not self.stale

    def lines(self) -> list[str]:
        verdict = "ok" if self.clean else "VIOLATED"
        out = [f"{self.name} (final state): {verdict} — {self.keys} keys, {len(self.stale)} stale"]
        out += [f"    {k}: expected {want}, holds {got}" for k, want, got in self.stale[:SHOWN]]
        return out


@dataclass(frozen=True)
class Report:
    acknowledged: int
    keys: int
    stages: tuple[StageReport, ...] = ()
    finals: tuple[FinalReport, ...] = ()

    @property
    def clean(self) -> bool:
        return all(s.clean for s in self.stages) and all(f.clean for f in self.finals)

    def stage(self, name: str) -> StageReport:
        return next(s for s in self.stages if s.name == name)

    def __str__(self) -> str:
        lines = [f"{self.acknowledged} acknowledged writes on {self.keys} keys"]
        for s in self.stages:
            lines += s.lines()
        for f in self.finals:
            lines += f.lines()
        return "\n".join(lines)


@dataclass
class History:
    """Acknowledged writes, recorded as the client sees them (see the module docstring)."""

    writes: list[Write] = field(default_factory=list)

    def ack(self, key: str, op: str) -> None:
        self.writes.append(Write(key, op))

    def __len__(self) -> int:
        return len(self.writes)

    def ops(self) -> set[str]:
        return {w.op for w in self.writes}

    def last_per_key(self) -> dict[str, str]:
        return {w.key: w.op for w in self.writes}


def check(
    history: Sequence[Write] | History,
    stages: Mapping[str, Iterable[Seen]] | None = None,
    *,
    topics: Mapping[str, Iterable[Seen]] | None = None,
    unordered: Iterable[str] = (),
    finals: Mapping[str, Mapping[str, str]] | None = None,
) -> Report:
    """Judge ``history`` against effects (``stages``: duplicates are violations), topics
    (``topics``: duplicates counted, allowed) and final states (``finals``: key → op held).

    ``unordered`` names stages whose observation order means nothing (rows read without an
    application order): they are checked for loss and duplicates only.
    """
    writes = history.writes if isinstance(history, History) else list(history)
    acked_order: dict[str, list[str]] = defaultdict(list)
    for w in writes:
        acked_order[w.key].append(w.op)
    acked = {w.op for w in writes}
    skip_order = set(unordered)
    reports = [
        _stage(name, list(seen), acked, acked_order, dup_ok=False, ordered=name not in skip_order)
        for name, seen in (stages or {}).items()
    ]
    reports += [
        _stage(name, list(seen), acked, acked_order, dup_ok=True, ordered=name not in skip_order)
        for name, seen in (topics or {}).items()
    ]
    last = {w.key: w.op for w in writes}
    final_reports = [
        FinalReport(
            name,
            len(held),
            tuple(
                (key, op, held.get(key)) for key, op in sorted(last.items()) if held.get(key) != op
            ),
        )
        for name, held in (finals or {}).items()
    ]
    return Report(len(writes), len(acked_order), tuple(reports), tuple(final_reports))


def combine(*reports: Report) -> Report:
    """One report of several checks (stages that expect different writes)."""
    return Report(
        sum(r.acknowledged for r in reports),
        sum(r.keys for r in reports),
        tuple(s for r in reports for s in r.stages),
        tuple(f for r in reports for f in r.finals),
    )


def _stage(
    name: str,
    seen: list[Seen],
    acked: set[str],
    acked_order: Mapping[str, list[str]],
    *,
    dup_ok: bool,
    ordered: bool,
) -> StageReport:
    counts = Counter(s.op for s in seen)
    first_order: dict[str, list[str]] = defaultdict(list)
    for s in seen:
        if s.op in acked and s.op not in first_order[s.key]:
            first_order[s.key].append(s.op)
    reordered = []
    if ordered:
        for key, expected in sorted(acked_order.items()):
            got = first_order.get(key, [])
            present = [op for op in expected if op in set(got)]  # loss is reported apart
            if got != present:
                reordered.append((key, tuple(expected), tuple(got)))
    return StageReport(
        name=name,
        observed=len(seen),
        distinct=len(counts),
        lost=tuple(sorted(acked - counts.keys())),
        duplicated=tuple(sorted((op, n) for op, n in counts.items() if n > 1)),
        reordered=tuple(reordered),
        unacknowledged=tuple(sorted(counts.keys() - acked)),
        duplicates_allowed=dup_ok,
    )


def _some(items: Iterable[str]) -> str:
    listed = list(items)
    more = f" … and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
    return ", ".join(listed[:SHOWN]) + more
