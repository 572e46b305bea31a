"""Settings of the content service.

Environment: environment variables ``KIM_CONTENT_*`` and shared ``KIM_*``.
"""

from __future__ import annotations

from fastapi import Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kim_content.articles.domain import TrustPolicy
from kim_shared.service import get_runtime
from kim_shared.settings import DEFAULT_PG, ServiceSettings


class ContentSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_CONTENT_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "content"
    database_url: str = f"{DEFAULT_PG}/kim_content"
    http_port: int = 8002
    trusted_after_approved: int = Field(
        default=5, ge=0, description="Approved articles before an author is trusted (0: never)."
    )
    trusted_clean_days: int = Field(
        default=90, ge=1, description="Days without a rejection a trusted author needs."
    )
    reports_to_hide: int = Field(
        default=3,
        ge=1,
        description="Distinct readers' reports that hide an article pending review.",
    )
    moderation_claim_minutes: int = Field(
        default=120, ge=5, le=24 * 60, description="How long a moderator's claim on a case holds."
    )
    scheduler_interval_s: float = Field(default=30.0, gt=0)
    public_base_url: str = Field(
        default="http://127.0.0.1:8002", description="Base of links in feeds."
    )

    @property
    def trust_policy(self) -> TrustPolicy:
        return TrustPolicy(self.trusted_after_approved, self.trusted_clean_days)


def settings_of(request: Request) -> ContentSettings:
    """The running content service's settings (from its runtime)."""
    settings = get_runtime(request).settings
    assert isinstance(settings, ContentSettings)
    return settings
