"""Composition root of the marketplace service.

Run with ``uvicorn --factory kim_marketplace.main:create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

import kim_marketplace
from kim_marketplace.catalogue.api import router as catalogue_router
from kim_marketplace.orders.api import router as orders_router
from kim_marketplace.orders.scheduler import run_expiry
from kim_marketplace.products.api import router as products_router
from kim_marketplace.products.consumers import CONSUMERS
from kim_marketplace.sellers.api import router as sellers_router
from kim_marketplace.sellers.scheduler import run_licence_expiry
from kim_marketplace.settings import MarketplaceSettings
from kim_shared.events.types.activity import ListingPublished, OrderCompleted
from kim_shared.events.types.marketplace import MARKETPLACE_EVENTS
from kim_shared.projections import KIM, REGIONS
from kim_shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="marketplace",
    title="KIM Marketplace",
    description=(kim_marketplace.__doc__ or "").strip(),
    migrations=Path(__file__).parent / "migrations",
    routers=(sellers_router, products_router, orders_router, catalogue_router),
    publishes=(ListingPublished, OrderCompleted, *MARKETPLACE_EVENTS),
    projections=(REGIONS, KIM),
    consumers=CONSUMERS,
    tasks=(run_expiry, run_licence_expiry),
)


def create_app(settings: MarketplaceSettings | None = None) -> FastAPI:
    return build_app(SPEC, settings or MarketplaceSettings())
