"""The coverage answer: one statement (:mod:`.repository`), assembled by :mod:`.domain`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from kim_registry.coverage import domain
from kim_registry.coverage import repository as repo
from kim_registry.coverage.schemas import (
    AppliedTarget,
    Coverage,
    CoverageRow,
    KimAtVillage,
    RegionRef,
    Target,
    TargetList,
)
from kim_registry.regions.domain import CODE_LENGTH, level_of
from kim_shared.clock import today as today_wib
from kim_shared.db import Connection
from kim_shared.errors import Invalid, NotFound

RowsAre = Literal["kabupaten", "kecamatan", "village"]
ROWS_ARE: dict[int, RowsAre] = {1: "kabupaten", 2: "kecamatan", 3: "village"}


def _applied(resolved: domain.Resolved | None, today: date) -> AppliedTarget | None:
    if resolved is None:
        return None
    t = resolved.target
    return AppliedTarget(
        id=t.id,
        region_code=t.region_code,
        label=t.label,
        due_on=t.due_on,
        villages_target=t.villages_target,
        per_kecamatan=t.per_kecamatan,
        villages=resolved.goal,
        overdue=t.due_on < today and resolved.gap > 0,
    )


def _area_row(
    code: str,
    name: str,
    type_: str,
    kecamatan: Sequence[domain.Count],
    targets: Sequence[domain.Target],
    today: date,
    *,
    with_kecamatan: bool,
) -> CoverageRow:
    a = domain.area(code, kecamatan, targets, today)
    return CoverageRow(
        code=code,
        name=name,
        type=type_,
        villages=a.villages,
        kelurahan=a.kelurahan,
        villages_with_active_kim=a.covered,
        percent=a.percent,
        kecamatan=a.kecamatan if with_kecamatan else None,
        kecamatan_with_active_kim=a.kecamatan_covered if with_kecamatan else None,
        target=_applied(a.target, today),
        gap=a.target.gap if a.target is not None else None,
    )


def _village_row(v: dict[str, Any]) -> CoverageRow:
    kim = [KimAtVillage(**k) for k in v["kim"]]
    active = any(k.status == "aktif" for k in kim)
    return CoverageRow(
        code=v["code"],
        name=v["name"],
        type=v["type"],
        villages=1,
        kelurahan=1 if v["type"] == "kelurahan" else 0,
        villages_with_active_kim=int(active),
        percent=100.0 if active else 0.0,
        has_active_kim=active,
        kim=kim,
    )


def _kecamatan_of(rows: list[CoverageRow]) -> list[domain.Count]:
    """Per-kecamatan counts from village rows (``35.02.01.2001`` → ``35.02.01``)."""
    out: dict[str, list[CoverageRow]] = {}
    for r in rows:
        out.setdefault(r.code[: CODE_LENGTH[3]], []).append(r)
    return [
        domain.Count(
            code=k,
            villages=len(vs),
            kelurahan=sum(v.kelurahan for v in vs),
            covered=sum(v.villages_with_active_kim for v in vs),
        )
        for k, vs in out.items()
    ]


async def coverage(
    conn: Connection, code: str, *, only_empty: bool, villages: bool = False
) -> Coverage:
    """Coverage of a provinsi (rows: kabupaten/kota), kabupaten/kota (rows: kecamatan) or
    kecamatan (rows: desa/kelurahan with their KIM), with totals and targets. With
    ``villages``, a kabupaten/kota also gets one row per desa/kelurahan (a provinsi does
    not: thousands of rows for a public endpoint; ask per kabupaten)."""
    level = level_of(code)
    if level > 3:
        raise Invalid(
            f"{code} is a desa/kelurahan; coverage is given for a provinsi, kabupaten/kota or "
            f"kecamatan (see /coverage/{code.rsplit('.', 1)[0]} for its KIM)."
        )
    if villages and level == 1:
        raise Invalid(
            "villages=true lists every desa/kelurahan of a kabupaten/kota or kecamatan; for a "
            f"provinsi ask per kabupaten/kota (/coverage/{code}.NN?villages=true)."
        )
    today = today_wib()
    per_village = villages or level == 3
    if per_village:
        row = await repo.village_coverage(conn, code)
    else:
        row = await repo.area_coverage(conn, code)
    region = row["region"]
    if region is None:
        raise NotFound(f"Region {code} was not found.")
    targets = [repo.target_from_json(t) for t in row["targets"]]
    rows_are: RowsAre
    if per_village:
        rows_are = "village"
        rows = [_village_row(v) for v in row["villages"]]
        kecamatan = _kecamatan_of(rows)
    else:
        rows_are = ROWS_ARE[level]
        kecamatan = repo.counts_from_json(row["kecamatan"])
        children = row["children"]
        by_child = domain.group(kecamatan, [c for c, _, _ in children])
        rows = [
            _area_row(c, n, t, by_child[c], targets, today, with_kecamatan=level == 1)
            for c, n, t in children
        ]
    totals = _area_row(
        code, region["name"], region["type"], kecamatan, targets, today, with_kecamatan=level < 3
    )
    empty = [r for r in rows if r.villages_with_active_kim == 0]
    return Coverage(
        region=RegionRef(**region),
        as_of=today,
        rows_are=rows_are,
        only_empty=only_empty,
        totals=totals,
        empty_rows=len(empty),
        rows=empty if only_empty else rows,
    )


async def targets(conn: Connection, code: str) -> TargetList:
    rows = await repo.list_targets(conn, code)
    return TargetList(region_code=code, targets=[Target(**dict(r)) for r in rows])
