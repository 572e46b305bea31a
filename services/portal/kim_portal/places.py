"""Villages to choose from, never a Kemendagri code to type: the villages of one kecamatan
(the registry's public ``GET /regions/{code}/children``, cached briefly like every public
read), and the kecamatan of a kabupaten when the kecamatan is not known yet. One kecamatan's
villages are a few dozen options; a kabupaten's hundreds are never put in one page."""

from __future__ import annotations

from dataclasses import dataclass, field

from kim_portal.clients.base import ApiProblem
from kim_portal.clients.registry import RegistryClient

VILLAGE = 13  # len("35.02.01.2001")
KECAMATAN = 8  # len("35.02.01")
KABUPATEN = 5  # len("35.02")


@dataclass(frozen=True)
class Place:
    """One option: the code is the value, the name is what people read."""

    code: str
    label: str


@dataclass(frozen=True)
class VillageChoice:
    """What a form offers: the villages of ``kecamatan`` (and, when the kecamatan may be
    changed, the kecamatan of the kabupaten), with ``selected`` chosen."""

    kecamatan: str
    villages: list[Place]
    selected: str
    kecamatan_options: list[Place] = field(default_factory=list)


def _label(item: dict[str, object]) -> str:
    kind = "Kelurahan" if item.get("type") == "kelurahan" else "Desa"
    name = str(item["name"])
    return name if name.lower().startswith(("kecamatan", kind.lower())) else f"{kind} {name}"


async def _children(registry: RegistryClient, code: str) -> list[dict[str, object]]:
    try:
        found = await registry.children(code)
    except ApiProblem:  # not a region, or the registry is away: the form asks for the code
        return []
    items = [i for i in found["items"] if i.get("active", True)]
    return sorted(items, key=lambda i: str(i["name"]).lower())


async def villages_of(registry: RegistryClient, kecamatan: str) -> list[Place]:
    """The active villages of one kecamatan, by name."""
    if len(kecamatan) != KECAMATAN:
        return []
    return [Place(str(i["code"]), _label(i)) for i in await _children(registry, kecamatan)]


async def kecamatan_of(registry: RegistryClient, kabupaten: str) -> list[Place]:
    """The active kecamatan of one kabupaten, by name."""
    if len(kabupaten) != KABUPATEN:
        return []
    return [Place(str(i["code"]), str(i["name"])) for i in await _children(registry, kabupaten)]


def kecamatan_code(code: str | None) -> str:
    """The kecamatan of a village or kecamatan code; empty for anything else."""
    if code and len(code) in (VILLAGE, KECAMATAN):
        return code[:KECAMATAN]
    return ""


async def in_kecamatan(registry: RegistryClient, kecamatan: str, selected: str) -> VillageChoice:
    """The villages of a known kecamatan (a KIM's), ``selected`` chosen."""
    return VillageChoice(kecamatan, await villages_of(registry, kecamatan), selected)


async def in_kabupaten(
    registry: RegistryClient, kabupaten: str | None, *, kecamatan: str, selected: str
) -> VillageChoice:
    """Kecamatan first, then its villages: ``kecamatan`` (or the selected village's) decides
    which villages are offered; with none yet, only the kecamatan are."""
    chosen = kecamatan_code(kecamatan) or kecamatan_code(selected)
    options = await kecamatan_of(registry, kabupaten or chosen[:KABUPATEN])
    if chosen and not any(o.code == chosen for o in options):
        chosen = ""
    villages = await villages_of(registry, chosen) if chosen else []
    return VillageChoice(chosen, villages, selected, options)
