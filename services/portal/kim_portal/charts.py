"""Coverage as a server-rendered SVG bar chart: one bar per kecamatan (share of villages
with an aktif KIM) and, where a target applies, a mark at the target's share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ROW_HEIGHT = 22
LABEL_WIDTH = 130
BAR_WIDTH = 200
WIDTH = LABEL_WIDTH + BAR_WIDTH + 60


@dataclass(frozen=True)
class Bar:
    label: str
    percent: float
    target_percent: float | None
    y: int

    @property
    def width(self) -> float:
        return round(BAR_WIDTH * min(self.percent, 100.0) / 100.0, 1)

    @property
    def target_x(self) -> float | None:
        if self.target_percent is None:
            return None
        return round(LABEL_WIDTH + BAR_WIDTH * min(self.target_percent, 100.0) / 100.0, 1)


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    width: int = WIDTH
    row_height: int = ROW_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 8


def _target_percent(row: Mapping[str, Any]) -> float | None:
    target = row.get("target")
    villages = row.get("villages") or 0
    if not isinstance(target, Mapping) or not villages:
        return None
    wanted = target.get("villages")
    if not isinstance(wanted, int):
        return None
    return round(100.0 * wanted / villages, 1)


def coverage_chart(rows: Iterable[Mapping[str, Any]]) -> Chart:
    """The chart of the coverage rows the registry answers (``/coverage/{code}``)."""
    bars = tuple(
        Bar(
            label=str(row.get("name", row.get("code", ""))),
            percent=float(row.get("percent") or 0.0),
            target_percent=_target_percent(row),
            y=i * ROW_HEIGHT + 4,
        )
        for i, row in enumerate(rows)
    )
    return Chart(bars=bars)
