"""The region projection: every Kemendagri region the registry published, in
``region_projection``, from the compacted ``kim.registry.region.v1``."""

from pathlib import Path

from kim_shared.events.types.registry import RegionChanged
from kim_shared.projections.base import Projection
from kim_shared.projections.regions.apply import apply_regions
from kim_shared.projections.regions.lookups import Village, active_village, region, village
from kim_shared.projections.regions.rows import Region, all_regions

REGIONS = Projection(
    name="regions",
    description=(
        "Region projection (region_projection): every Kemendagri region the registry "
        "published, the latest snapshot per code (by offset); retired ones with active=false. "
        "A kit piece; rebuild with `kim projections rebuild <service> regions`."
    ),
    events=(RegionChanged,),
    apply=apply_regions,
    tables=("region_projection",),
    migrations=Path(__file__).parent / "migrations",
    rows=all_regions,
)

__all__ = ["REGIONS", "Region", "Village", "active_village", "region", "village"]
