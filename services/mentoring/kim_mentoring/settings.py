"""Settings of the mentoring service.

Environment: environment variables ``KIM_MENTORING_*`` and shared ``KIM_*``.
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kim_shared.settings import DEFAULT_PG, ServiceSettings


class MentoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_MENTORING_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "mentoring"
    database_url: str = f"{DEFAULT_PG}/kim_mentoring"
    http_port: int = 8004
    public_base_url: str = "http://localhost:8004"
    """Where the public verification page of certificates is reached (printed in QR codes)."""
