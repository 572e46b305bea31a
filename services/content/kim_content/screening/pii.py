"""Personal data (UU PDP) in a text, via ``lokal.samaran.detect_pii`` and ``lokal.nik``.

``detect_pii`` runs once per text (it costs the same whatever types are asked for);
rules then pick the types they watch. Its offsets are Python string offsets into the
text given, as ours are.

NIK-shaped numbers: ``detect_pii`` already reports a 16-digit number as NIK when
``lokal.nik.parse_nik`` accepts its structure, as KK when "KK"/"kartu keluarga" stands
before it, and as NIK (medium) when "NIK" stands before it. :func:`find_nik_shaped`
adds what it leaves out: 16 digits written in groups it does not read
(``3502.0112.0190.0001``), reported as ``nik`` when the structure is a valid NIK, and
any other 16-digit number as ``nik_shaped``: not provably personal data (a product
code, an invoice number) but possibly a KK or an account number, so a rule with a
lower action (review by default) lets a moderator look. A masked number
(``35**************``) has no 16 digits and is never reported.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from lokal.nik import parse_nik
from lokal.samaran import detect_pii

#: Types that are runs of digits: a 16-digit number inside one is already reported.
_DIGIT_TYPES = frozenset(
    {"NIK", "KK", "NPWP", "SIM", "NIP", "BPJS", "NISN", "BANK_ACCOUNT", "CARD", "PHONE", "PASSPORT"}
)
_NIK_SHAPE = re.compile(
    r"(?<![\w.-])(?:\d{16}|\d{4}([ .-])\d{4}\1\d{4}\1\d{4}|\d{6}([ .-])\d{6}\2\d{4}"
    r"|\d{2}([ .-])\d{2}\3\d{2}\3\d{6}\3\d{4})(?![\w]|[.-]\d)"
)


@dataclass(frozen=True, slots=True)
class PiiHit:
    """Personal data at ``[start, end)``; ``kind`` is lokal's type in lower case
    (``nik``, ``kk``, ``phone``, ``email``, ``address``, …) or ``nik_shaped``."""

    kind: str
    start: int
    end: int
    value: str
    confidence: Literal["high", "medium"]


def find_pii(text: str) -> list[PiiHit]:
    """Everything ``detect_pii`` finds, at medium confidence and above."""
    if not text:
        return []
    return [PiiHit(m.type.lower(), m.start, m.end, m.value, m.confidence) for m in detect_pii(text)]


def select(
    hits: Sequence[PiiHit], kinds: Collection[str], min_confidence: Literal["high", "medium"]
) -> list[PiiHit]:
    """The hits of the given kinds, keeping only ``high`` ones when asked."""
    return [
        h
        for h in hits
        if h.kind in kinds and (min_confidence == "medium" or h.confidence == "high")
    ]


def find_nik_shaped(text: str, known: Sequence[PiiHit]) -> list[PiiHit]:
    """16-digit numbers ``detect_pii`` did not report as a digit identifier:
    ``nik`` when the structure is a valid NIK, ``nik_shaped`` otherwise."""
    covered = [(h.start, h.end) for h in known if h.kind.upper() in _DIGIT_TYPES]
    out: list[PiiHit] = []
    for m in _NIK_SHAPE.finditer(text):
        if any(m.start() < e and s < m.end() for s, e in covered):
            continue
        digits = re.sub(r"\D", "", m.group())
        kind = "nik" if parse_nik(digits).valid else "nik_shaped"
        out.append(PiiHit(kind, m.start(), m.end(), m.group(), "high"))
    return out
