"""Settings of the registry service.

Environment: environment variables ``KIM_REGISTRY_*`` and shared ``KIM_*``.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kim_shared.settings import DEFAULT_PG, ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_REGISTRY_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "registry"
    database_url: str = f"{DEFAULT_PG}/kim_registry"
    http_port: int = 8001
