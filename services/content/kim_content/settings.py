"""Settings of the content service.

Environment: environment variables ``KIM_CONTENT_*`` and shared ``KIM_*``.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kim_shared.settings import DEFAULT_PG, ServiceSettings


class ContentSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_CONTENT_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "content"
    database_url: str = f"{DEFAULT_PG}/kim_content"
    http_port: int = 8002
