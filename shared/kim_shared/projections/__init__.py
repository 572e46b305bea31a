"""Projections of registry state that services mount (DESIGN §4): regions and KIM.

``ServiceSpec(projections=(REGIONS, KIM))`` gives a service their tables (migrations in
their own namespaces) and a rebuildable batch consumer each (``<service>.projection.regions``,
``<service>.projection.kim``); the lookups are in :mod:`kim_shared.projections.regions` and
:mod:`kim_shared.projections.kim`. ``kim projections rebuild|check`` operate them.
"""

from kim_shared.projections.base import Projection
from kim_shared.projections.kim import KIM
from kim_shared.projections.regions import REGIONS

PROJECTIONS: tuple[Projection, ...] = (REGIONS, KIM)
"""Every projection of the kit, by which ``kim projections`` finds one by name."""

__all__ = ["KIM", "PROJECTIONS", "REGIONS", "Projection"]
