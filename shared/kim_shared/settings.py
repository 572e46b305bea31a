"""Settings base shared by all services.

Every service subclasses :class:`ServiceSettings` and sets ``env_prefix`` to
``KIM_<SERVICE>_`` so each service reads its own DSN (``KIM_REGISTRY_DATABASE_URL``),
while infrastructure shared by all (Kafka, auth) is read from ``KIM_*`` names.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kim_shared.tracing import TracingConfig

Environment = Literal["development", "test", "production"]

DEFAULT_KAFKA = "127.0.0.1:19092"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:15432"


def database_url_of(service: str) -> str:
    """The DSN ``service`` uses, as its settings read it (``KIM_<SERVICE>_DATABASE_URL``,
    default the local ``kim_<service>`` database): for operator commands that work on a
    service's database without loading the service."""
    return os.environ.get(f"KIM_{service.upper()}_DATABASE_URL", f"{DEFAULT_PG}/kim_{service}")


def _shared(name: str) -> AliasChoices:
    return AliasChoices(f"KIM_{name}")


class ServiceSettings(BaseSettings):
    """Configuration common to every service; subclasses add their own fields."""

    model_config = SettingsConfigDict(
        env_prefix="KIM_", extra="ignore", frozen=True, populate_by_name=True
    )

    service_name: str = "kim"
    environment: Environment = Field(default="development", validation_alias=_shared("ENVIRONMENT"))
    database_url: str = f"{DEFAULT_PG}/kim"
    kafka_bootstrap_servers: str = Field(
        default=DEFAULT_KAFKA, validation_alias=_shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    db_pool_min: int = 1
    db_pool_max: int = 10
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        validation_alias=_shared("MAX_BODY_BYTES"),
        description="Largest request body accepted (413 problem beyond it).",
    )

    # Authentication (OIDC bearer JWT, RS256).
    auth_issuer: str = Field(default="kim-dev-local", validation_alias=_shared("AUTH_ISSUER"))
    auth_audience: str = Field(default="kim-platform", validation_alias=_shared("AUTH_AUDIENCE"))
    auth_jwks_url: str | None = Field(default=None, validation_alias=_shared("AUTH_JWKS_URL"))
    auth_public_key_file: str | None = Field(
        default=None, validation_alias=_shared("AUTH_PUBLIC_KEY_FILE")
    )
    auth_dev_keys: bool = Field(default=True, validation_alias=_shared("AUTH_DEV_KEYS"))
    auth_dev_key_dir: str = Field(
        default=".local/dev-keys", validation_alias=_shared("AUTH_DEV_KEY_DIR")
    )

    # Kafka producer: every send is acknowledged within this bound or counted as failed (the
    # relay's transaction never lasts longer); stop() flushes for at most the stop timeout.
    kafka_send_timeout_s: float = Field(
        default=10.0, gt=0, validation_alias=_shared("KAFKA_SEND_TIMEOUT_S")
    )
    kafka_stop_timeout_s: float = Field(
        default=5.0, gt=0, validation_alias=_shared("KAFKA_STOP_TIMEOUT_S")
    )

    # Outbox relay.
    outbox_batch_size: int = 1000
    outbox_poll_interval_s: float = 1.0

    # The AsyncAPI viewer's files (@asyncapi/react-component); default: shared/docs-assets.
    asyncapi_viewer_dir: str | None = Field(
        default=None, validation_alias=_shared("ASYNCAPI_VIEWER_DIR")
    )

    # Tracing (OpenTelemetry): nothing leaves the process unless a collector is named.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "KIM_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
        description="Base URL of an OTLP/HTTP collector (http://collector:4318); spans go "
        "to <url>/v1/traces. Unset: no span is recorded or exported.",
    )
    otel_traces_sampler_ratio: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        validation_alias=AliasChoices("KIM_OTEL_TRACES_SAMPLER_RATIO", "OTEL_TRACES_SAMPLER_ARG"),
        description="Share of new traces recorded while exporting; a caller's sampled trace "
        "is always followed.",
    )

    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))
    log_json: bool = Field(default=True, validation_alias=_shared("LOG_JSON"))

    @property
    def tracing(self) -> TracingConfig:
        return TracingConfig(self.otel_exporter_otlp_endpoint, self.otel_traces_sampler_ratio)

    @model_validator(mode="after")
    def _production_is_strict(self) -> ServiceSettings:
        if self.environment == "production":
            if self.auth_dev_keys:
                raise ValueError(
                    "KIM_AUTH_DEV_KEYS must be false in production: the local dev issuer "
                    "is never trusted there"
                )
            if not (self.auth_jwks_url or self.auth_public_key_file):
                raise ValueError("production needs KIM_AUTH_JWKS_URL or KIM_AUTH_PUBLIC_KEY_FILE")
        return self
