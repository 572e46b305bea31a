"""Schemas of what kustomize renders.

Kubernetes' own kinds are validated with ``kubernetes-validate`` against the OpenAPI
schemas of Kubernetes 1.37 in strict mode (an unknown or misspelt field fails). The
operators' kinds (Strimzi, CloudNativePG and its Barman Cloud plugin, KEDA, the
Prometheus operator) are custom resources that package does not ship: they are
skipped by API group, explicitly, and checked here against what their current
releases serve and removed.
"""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from kim_devstack import manifests
from tests.deploy.rendering import ROOT, Rendered, load_file
from tests.deploy.support import OVERLAYS, Doc, walk

KUBERNETES_VERSION = "1.37"

# Custom resources by API group: the versions their operators serve today.
STRIMZI = "kafka.strimzi.io"  # Strimzi 1.x serves only v1 (v1beta2 was removed in 1.0)
CNPG = "postgresql.cnpg.io"  # CloudNativePG 1.x
BARMAN_CLOUD = "barmancloud.cnpg.io"  # Barman Cloud plugin for CloudNativePG
KEDA = "keda.sh"  # KEDA 2.x
PROMETHEUS = "monitoring.coreos.com"  # Prometheus operator
CUSTOM_RESOURCE_VERSIONS = {
    STRIMZI: "v1",
    CNPG: "v1",
    BARMAN_CLOUD: "v1",
    KEDA: "v1alpha1",
    PROMETHEUS: "v1",
}
# Kafka versions the current Strimzi (1.1, 1.2) supports; 4.1 went with 1.1.
STRIMZI_KAFKA_VERSIONS = {"4.2.0", "4.2.1", "4.3.0", "4.3.1"}


def group_of(doc: Doc) -> str:
    api_version: str = doc["apiVersion"]
    return api_version.rpartition("/")[0]


def is_custom_resource(doc: Doc) -> bool:
    return group_of(doc) in CUSTOM_RESOURCE_VERSIONS


def test_kubernetes_validate_ships_the_pinned_kubernetes_version() -> None:
    assert kubernetes_validate.latest_version().startswith(KUBERNETES_VERSION)


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_kubernetes_kinds_match_the_kubernetes_schemas(
    environments: dict[str, Rendered], env: str
) -> None:
    checked: set[str] = set()
    for doc in environments[env].documents:
        if is_custom_resource(doc):
            continue
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            raise AssertionError(
                f"{where}: {doc['apiVersion']} is neither a Kubernetes API nor a known "
                "custom resource group (CUSTOM_RESOURCE_VERSIONS)"
            ) from None
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.path)
            raise AssertionError(f"{where}: {exc.message} at {path}") from None
        checked.add(doc["kind"])
    expected = {"Deployment", "Service", "Ingress", "NetworkPolicy", "PodDisruptionBudget"}
    assert expected <= checked


def test_the_strict_validation_catches_a_misspelt_field() -> None:
    """The check above is only worth something if strict mode refuses unknown fields."""
    deployment: Doc = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "x", "image": "y", "readinesProbe": {}}]},
            },
        },
    }
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def _agency_user() -> Doc:
    (user,) = load_file(ROOT / manifests.AGENCY_USER_PATH)
    assert isinstance(user, dict)
    return user


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_custom_resources_use_the_api_versions_their_operators_serve(
    environments: dict[str, Rendered], env: str
) -> None:
    docs = [*environments[env].documents, _agency_user()]
    seen = set()
    for doc in docs:
        group = group_of(doc)
        if group in CUSTOM_RESOURCE_VERSIONS:
            assert doc["apiVersion"] == f"{group}/{CUSTOM_RESOURCE_VERSIONS[group]}", doc["kind"]
            assert doc.get("spec"), f"{doc['kind']}: spec is required in Strimzi v1"
            seen.add(group)
        else:
            assert not re.search(r"strimzi|cnpg|keda|coreos", group), f"unlisted group {group}"
    assert {STRIMZI, CNPG, BARMAN_CLOUD, KEDA} <= seen


# Fields the Strimzi v1 API removed (or that node pools replaced), by path pattern.
_STRIMZI_V1_REMOVED = [
    r"/spec/zookeeper",
    r"/spec/jmxTrans",
    r"/spec/kafka/(replicas|storage|resources)",
    r"/spec/kafka/template/statefulset",
    r"/spec/cruiseControl/(tlsSidecar|template/tlsSidecarContainer)",
    r"/spec/cruiseControl/brokerCapacity/(cpuUtilization|disk)",
    r"/spec/kafkaExporter/template/service",
    r"/spec/entityOperator/(tlsSidecar|template/tlsSidecarContainer)",
    r"/spec/entityOperator/\w+/(reconciliationIntervalSeconds|zookeeperSessionTimeoutSeconds"
    r"|topicMetadataMaxAttempts)",
    r"/spec/storage/(volumes/\d+/)?overrides",
    r"/spec/authorization/acls/\d+/operation",
]


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_strimzi_resources_have_no_field_the_v1_api_removed(
    environments: dict[str, Rendered], env: str
) -> None:
    docs = [d for d in environments[env].documents if group_of(d) == STRIMZI]
    for doc in [*docs, _agency_user()]:
        for path, _ in walk(doc):
            for pattern in _STRIMZI_V1_REMOVED:
                assert not re.fullmatch(pattern, path), f"{doc['kind']}: {path}"
    (kafka,) = [d for d in docs if d["kind"] == "Kafka"]
    assert kafka["spec"]["kafka"]["version"] in STRIMZI_KAFKA_VERSIONS
    major_minor = kafka["spec"]["kafka"]["version"].rsplit(".", 1)[0]
    assert kafka["spec"]["kafka"]["metadataVersion"].startswith(f"{major_minor}-IV")
    for pool in (d for d in docs if d["kind"] == "KafkaNodePool"):
        assert set(pool["spec"]["roles"]) <= {"controller", "broker"}
        assert pool["spec"]["storage"]["type"] in {"jbod", "persistent-claim", "ephemeral"}


def test_agency_user_acls_use_the_operations_list() -> None:
    for acl in _agency_user()["spec"]["authorization"]["acls"]:
        assert "operation" not in acl
        assert isinstance(acl["operations"], list)
        assert acl["operations"]


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_cloudnativepg_resources_use_the_current_backup_and_pooler_apis(
    environments: dict[str, Rendered], env: str
) -> None:
    rendered = environments[env]
    clusters = {c["metadata"]["name"]: c for c in rendered.of_kind("Cluster")}
    stores = {s["metadata"]["name"] for s in rendered.of_kind("ObjectStore")}
    for cluster in clusters.values():
        # The in-tree Barman Cloud support is deprecated (CloudNativePG 1.26): plugin only.
        assert "barmanObjectStore" not in cluster["spec"].get("backup", {})
        (plugin,) = cluster["spec"]["plugins"]
        assert plugin["name"] == "barman-cloud.cloudnative-pg.io"
        assert plugin["isWALArchiver"] is True
        assert plugin["parameters"]["barmanObjectName"] in stores
    for backup in rendered.of_kind("ScheduledBackup"):
        assert backup["spec"]["cluster"]["name"] in clusters
        assert len(backup["spec"]["schedule"].split()) == 6, "seconds first"
        assert backup["spec"]["method"] == "plugin"
        assert backup["spec"]["pluginConfiguration"]["name"] == "barman-cloud.cloudnative-pg.io"
    for pooler in rendered.of_kind("Pooler"):
        assert pooler["spec"]["cluster"]["name"] in clusters
        assert pooler["metadata"]["name"] not in clusters, "a Pooler may not share a name"
        for value in pooler["spec"]["pgbouncer"]["parameters"].values():
            assert isinstance(value, str)
        (pgbouncer,) = pooler["spec"]["template"]["spec"]["containers"]
        assert pgbouncer["name"] == "pgbouncer"
