"""The services' databases on Kubernetes: one CloudNativePG cluster each, reached only
through its PgBouncer pooler, sized for the most pods KEDA may start, and backed up."""

from __future__ import annotations

import copy
import importlib
import re

import pytest

from kim_shared.settings import ServiceSettings
from tests.deploy.rendering import Rendered
from tests.deploy.support import OVERLAYS, SERVICES, container, container_env

# max_connections PostgreSQL keeps for others than the pools: superuser_reserved_connections
# (3) and CloudNativePG's instance manager, exporter and probes.
RESERVED_CONNECTIONS = 10


def pool_max(rendered: Rendered, svc: str) -> int:
    """asyncpg pool size of one pod: the Deployment's value, or the settings' default."""
    env = container_env(rendered, rendered.get("Deployment", svc))
    value = env.get(f"KIM_{svc.upper()}_DB_POOL_MAX")
    if value is not None:
        return int(value)
    module = importlib.import_module(f"kim_{svc}.settings")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, ServiceSettings) and obj is not ServiceSettings
    ]
    default: int = classes[0].model_fields["db_pool_max"].default
    return default


def sizing_problems(rendered: Rendered, svc: str) -> list[str]:
    """Where the connections of the most pods KEDA may start do not fit (empty: they do)."""
    pods = rendered.get("ScaledObject", svc)["spec"]["maxReplicaCount"]
    # Each pod: its asyncpg pool plus the outbox relay's own LISTEN connection.
    clients = pods * (pool_max(rendered, svc) + 1)
    pooler = rendered.get("Pooler", f"{svc}-db-pooler")["spec"]
    parameters = pooler["pgbouncer"]["parameters"]
    max_client_conn = int(parameters["max_client_conn"])
    default_pool_size = int(parameters["default_pool_size"])
    cluster = rendered.get("Cluster", f"{svc}-db")["spec"]
    max_connections = int(cluster["postgresql"]["parameters"]["max_connections"])
    server_side = pooler["instances"] * default_pool_size + RESERVED_CONNECTIONS
    problems = []
    # Session mode: a client holds its server connection until it disconnects, so any
    # pooler instance (the Service may send every client to one) must seat them all ...
    if max_client_conn < clients:
        problems.append(f"max_client_conn {max_client_conn} < {clients} clients")
    if default_pool_size < clients:
        problems.append(f"default_pool_size {default_pool_size} < {clients} clients")
    # ... and PostgreSQL must seat every pooler instance's full pool.
    if server_side > max_connections:
        problems.append(f"{server_side} server connections > max_connections {max_connections}")
    return problems


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
@pytest.mark.parametrize("svc", SERVICES)
def test_pooler_and_postgres_fit_every_pod_keda_may_start(
    environments: dict[str, Rendered], env: str, svc: str
) -> None:
    rendered = environments[env]
    assert sizing_problems(rendered, svc) == []
    pooler = rendered.get("Pooler", f"{svc}-db-pooler")["spec"]
    assert pooler["pgbouncer"]["poolMode"] == "session", "LISTEN and advisory locks"
    assert pooler["instances"] >= 2, "the pooler is on the path of every query: no single pod"
    assert pooler["type"] == "rw"
    assert pooler["cluster"]["name"] == f"{svc}-db"


def test_the_sizing_check_fails_when_keda_may_start_more_pods(base: Rendered) -> None:
    documents = copy.deepcopy(base.documents)
    bigger = Rendered(base.directory, documents)
    scaler = bigger.get("ScaledObject", "registry")["spec"]
    scaler["maxReplicaCount"] *= 3
    assert sizing_problems(bigger, "registry")
    scaler["maxReplicaCount"] //= 3
    bigger.get("Cluster", "registry-db")["spec"]["postgresql"]["parameters"]["max_connections"] = (
        "100"
    )
    assert sizing_problems(bigger, "registry")


@pytest.mark.parametrize("svc", SERVICES)
def test_database_is_the_services_own_cloudnativepg_cluster(base: Rendered, svc: str) -> None:
    cluster = base.get("Cluster", f"{svc}-db")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["bootstrap"]["initdb"] == {
        "database": f"kim_{svc}",
        "owner": f"kim_{svc}",
    }
    assert cluster["spec"]["enableSuperuserAccess"] is False
    assert cluster["spec"]["instances"] >= 2
    env = {e["name"]: e for e in container(base.get("Deployment", svc))["env"]}
    # CloudNativePG writes the owner's credentials into <cluster>-app; asyncpg reads them
    # from PGUSER/PGPASSWORD, and the URL names the pooler only.
    for name, key in (("PGUSER", "username"), ("PGPASSWORD", "password")):
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": f"{svc}-db-app", "key": key}
    assert env[f"KIM_{svc.upper()}_DATABASE_URL"]["value"] == (
        f"postgresql://{svc}-db-pooler:5432/kim_{svc}"
    )


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_every_database_is_archived_and_backed_up_daily(
    environments: dict[str, Rendered], env: str
) -> None:
    rendered = environments[env]
    (store,) = rendered.of_kind("ObjectStore")
    configuration = store["spec"]["configuration"]
    for field in ("accessKeyId", "secretAccessKey"):
        ref = configuration["s3Credentials"][field]
        assert set(ref) == {"name", "key"}, "credentials by Secret reference only"
    assert re.fullmatch(r"\d+[dwm]", store["spec"]["retentionPolicy"])
    if env != "base":
        assert ".invalid" not in configuration["destinationPath"]
        assert ".invalid" not in configuration["endpointURL"]
    backups = {b["spec"]["cluster"]["name"]: b["spec"] for b in rendered.of_kind("ScheduledBackup")}
    for svc in SERVICES:
        cluster = rendered.get("Cluster", f"{svc}-db")["spec"]
        (plugin,) = cluster["plugins"]
        assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]
        assert plugin["isWALArchiver"] is True, "point-in-time recovery needs the WAL"
        schedule = backups[f"{svc}-db"]["schedule"].split()
        assert schedule[3:] == ["*", "*", "*"], "every day"
        assert backups[f"{svc}-db"]["backupOwnerReference"] == "self"
