"""Screening findings shown in place: the text cut into plain pieces and the pieces a
finding marks (content answers each finding's field and character offsets, never the
value itself)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CATEGORY_LABELS = {
    "nik": "NIK",
    "kk": "Nomor KK",
    "phone": "Nomor telepon",
    "email": "Alamat e-mail",
    "address": "Alamat rumah",
}


@dataclass(frozen=True)
class Piece:
    text: str
    category: str | None = None

    @property
    def label(self) -> str:
        if self.category is None:
            return ""
        return CATEGORY_LABELS.get(self.category, self.category.replace("_", " "))


def pieces(text: str, findings: Iterable[Mapping[str, Any]], field: str) -> list[Piece]:
    """``text`` cut at the findings of ``field`` (overlapping or out-of-range ones skipped)."""
    spans = sorted(
        (int(f["start"]), int(f["end"]), str(f.get("category") or ""))
        for f in findings
        if f.get("field") == field
    )
    out: list[Piece] = []
    at = 0
    for start, end, category in spans:
        if start < at or end <= start or end > len(text):
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], category or "data_pribadi"))
        at = end
    if at < len(text) or not out:
        out.append(Piece(text[at:]))
    return out
