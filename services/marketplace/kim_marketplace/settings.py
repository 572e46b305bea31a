"""Settings of the marketplace service.

Environment: environment variables ``KIM_MARKETPLACE_*`` and shared ``KIM_*``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kim_shared.settings import DEFAULT_PG, ServiceSettings


class MarketplaceSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_MARKETPLACE_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "marketplace"
    database_url: str = f"{DEFAULT_PG}/kim_marketplace"
    http_port: int = 8003
    max_photos: int = Field(default=8, ge=1, le=30, description="Photos a product may have.")
    order_expiry_minutes: int = Field(
        default=24 * 60,
        ge=1,
        description="Minutes after which an order the seller has not confirmed expires.",
    )
    order_expiry_interval_s: float = Field(
        default=30.0, gt=0, description="Seconds between two rounds of order expiry."
    )
    licence_check_interval_s: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between two checks for verified licences that have expired.",
    )
