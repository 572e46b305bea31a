"""Settings of the portal.

Environment: ``KIM_PORTAL_*`` for the portal's own values and the shared ``KIM_*`` names
for the environment and the token issuer the services trust.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kim_shared.settings import Environment

DEFAULT_ASSETS = Path(__file__).resolve().parent.parent / "assets-src" / "node_modules"
DEV_SECRET = "kim-portal-development-only-secret"


def _shared(name: str) -> AliasChoices:
    return AliasChoices(f"KIM_{name}")


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIM_PORTAL_", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Environment = Field(default="development", validation_alias=_shared("ENVIRONMENT"))
    http_port: int = 8000

    registry_url: str = "http://127.0.0.1:8001"
    content_url: str = "http://127.0.0.1:8002"
    marketplace_url: str = "http://127.0.0.1:8003"
    mentoring_url: str = "http://127.0.0.1:8004"
    api_timeout_s: float = Field(default=10.0, gt=0)
    public_cache_s: float = Field(
        default=15.0, ge=0, description="How long public (anonymous) reads are reused."
    )

    session_secret: SecretStr = SecretStr(DEV_SECRET)
    session_max_age_s: int = 8 * 3600
    secure_cookies: bool = False
    """Send the session cookie over HTTPS only (always in production)."""

    default_kabupaten: str = "35.02"
    """The kabupaten whose home page ``/`` shows (Ponorogo)."""

    # Development sign-in: tokens signed with the local dev key pair the services trust.
    auth_dev_keys: bool = Field(default=True, validation_alias=_shared("AUTH_DEV_KEYS"))
    auth_dev_key_dir: str = Field(
        default=".local/dev-keys", validation_alias=_shared("AUTH_DEV_KEY_DIR")
    )
    auth_issuer: str = Field(default="kim-dev-local", validation_alias=_shared("AUTH_ISSUER"))
    auth_audience: str = Field(default="kim-platform", validation_alias=_shared("AUTH_AUDIENCE"))

    # Production sign-in: OIDC authorization code + PKCE (Keycloak).
    oidc_issuer_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid profile"

    assets_dir: str = str(DEFAULT_ASSETS)
    """Where ``npm ci`` put htmx (services/portal/assets-src/node_modules)."""

    @property
    def dev_sign_in(self) -> bool:
        """Whether the development sign-in is offered (never in production)."""
        return self.environment != "production" and self.auth_dev_keys

    @model_validator(mode="after")
    def _production_is_strict(self) -> PortalSettings:
        if self.environment == "production":
            if self.session_secret.get_secret_value() == DEV_SECRET:
                raise ValueError("KIM_PORTAL_SESSION_SECRET must be set in production")
            if not (self.oidc_issuer_url and self.oidc_client_id):
                raise ValueError(
                    "production needs KIM_PORTAL_OIDC_ISSUER_URL and KIM_PORTAL_OIDC_CLIENT_ID"
                )
        return self
