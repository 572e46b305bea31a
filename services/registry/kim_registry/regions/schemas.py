"""Request and response models of the regions API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kim_registry.regions.domain import MatchKind
from kim_shared.events.types.registry import RegionType


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class RegionRef(_Model):
    """A region named in a path (ancestors)."""

    code: str
    name: str
    level: int
    type: RegionType


class RegionItem(RegionRef):
    """A region in a list (children)."""

    parent_code: str | None
    postal_code: str | None = Field(description="Kode pos (desa/kelurahan only).")
    active: bool = Field(description="False when the region left the Kemendagri source.")


class Region(RegionItem):
    """One region with its place in the hierarchy."""

    path: str = Field(
        description="Display path, nearest first: 'Slahung, Kabupaten Ponorogo, Jawa Timur'."
    )
    ancestors: list[RegionRef] = Field(description="The regions above it, provinsi first.")


class Children(_Model):
    parent: RegionRef | None = Field(description="None: the list of provinces.")
    items: list[RegionItem]


class SearchHit(RegionItem):
    path: str = Field(description="Display path, nearest first (villages often share names).")
    match: MatchKind | None = Field(
        description="How the name matched q: exact > prefix > word_prefix > substring "
        "(null without q)."
    )


class SearchResults(_Model):
    query: str | None = Field(
        description="The search key made of q: lower-case, accents and punctuation folded."
    )
    items: list[SearchHit]


class RegionCounts(_Model):
    """Active regions by type. ``villages`` = desa + kelurahan + desa_adat."""

    kabupaten: int = 0
    kota: int = 0
    kecamatan: int = 0
    distrik: int = Field(0, description="The kecamatan-level unit in Papua.")
    desa: int = 0
    kelurahan: int = 0
    desa_adat: int = 0
    villages: int = 0


class ChildSummary(RegionRef):
    counts: RegionCounts = Field(description="Regions inside this child (itself excluded).")


class RegionSummary(RegionRef):
    totals: RegionCounts = Field(description="Regions inside this region (itself excluded).")
    children: list[ChildSummary] = Field(description="Direct children by code, with counts.")


class ImportRequest(_Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: str = Field(
        min_length=1,
        max_length=20,
        description="A provinsi (35), kabupaten/kota (35.02) or kecamatan (35.02.01) code. "
        "'all' (all of Indonesia) is only possible with the CLI: kim regions import --scope all.",
        examples=["35.02"],
        # Documented, not enforced here: the handler names what is wrong with a scope.
        json_schema_extra={"pattern": r"^(all|[0-9]{2}(\.[0-9]{2}(\.[0-9]{2})?)?)$"},
    )


class ImportSummary(_Model):
    """What an import did: rows of the scope, and how many were new, changed, retired."""

    scope: str
    total: int = Field(description="Regions of the scope in the Kemendagri source (ancestors too).")
    inserted: int
    updated: int
    retired: int = Field(description="Regions of the scope no longer in the source: now inactive.")
    unchanged: int
    events: int = Field(description="RegionChanged snapshots staged in the outbox.")
