"""Kubernetes manifests and service images, checked structurally (no cluster here).

Every YAML file is parsed (tests/deploy/k8s_yaml.py) and the overlays are
rendered like ``kustomize build`` would (tests/deploy/kustomize_lite.py), then
the documents are inspected: generated topics equal the catalogue, each
service has its full set of resources, probes, security, secrets by reference
only, network isolation, KEDA scaling that covers the declared consumers, and
Dockerfiles that install one service only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kim_devstack import manifests
from kim_devstack.manifests_cli import register
from kim_shared.events.topics import CATALOGUE, INTERNAL, TopicSpec, declared_topics
from kim_shared.http.docs import DocsAssets
from kim_shared.settings import ServiceSettings
from tests.deploy.k8s_yaml import load_all, load_file
from tests.deploy.kustomize_lite import (
    KUSTOMIZATION,
    Rendered,
    build,
    patch_operations,
    read_kustomization,
)

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = {"kabupaten-ponorogo": ("kim-ponorogo", "35.02"), "provinsi-jatim": ("kim-jatim", "35")}
SERVICES = ("registry", "content", "marketplace", "mentoring")
KAFKA_CLUSTER = "kim-kafka"
CONFIG_MAP = "kim-platform-config"
CONTAINER_PORT = 8000

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def base() -> Rendered:
    return build(BASE)


@pytest.fixture(scope="module")
def overlays() -> dict[str, Rendered]:
    return {name: build(K8S / "overlays" / name) for name in OVERLAYS}


def container(deployment: Doc) -> Doc:
    containers: list[Doc] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per service pod"
    return containers[0]


def kafka_triggers(scaled_object: Doc) -> list[Doc]:
    return [t for t in scaled_object["spec"]["triggers"] if t["type"] == "kafka"]


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    match: dict[str, str] = selector.get("matchLabels") or {}
    if set(selector) - {"matchLabels"}:
        raise AssertionError(f"only matchLabels selectors are used: {selector}")
    return all(labels.get(k) == v for k, v in match.items())


def non_service_pods(rendered: Rendered) -> list[dict[str, str]]:
    """Labels of pods in the namespace that are not KIM service pods: none at all (what an
    empty selector matches), the platform's own labels alone, each CloudNativePG instance
    and each Kafka node (their operators add the cluster label to the resource's labels)."""
    platform = {"app.kubernetes.io/part-of": "kim-platform"}
    pods: list[dict[str, str]] = [{}, platform]
    for cluster in rendered.of_kind("Cluster"):
        name = cluster["metadata"]["name"]
        pods.append({**cluster["metadata"].get("labels", {}), "cnpg.io/cluster": name})
    for pool in rendered.of_kind("KafkaNodePool"):
        labels = pool["metadata"].get("labels", {})
        pods.append({**labels, "strimzi.io/pool-name": pool["metadata"]["name"]})
    return pods


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def yaml_files() -> list[Path]:
    return sorted(K8S.rglob("*.yaml"))


# ------------------------------------------------------------- generated topics


def test_committed_generated_manifests_equal_the_generator_output() -> None:
    stale = manifests.stale_manifests(ROOT)
    assert not stale, f"regenerate with `{manifests.REGENERATE_HINT}`: {stale}"


def test_every_catalogue_topic_and_its_dead_letter_topic_is_a_kafka_topic() -> None:
    docs = load_file(ROOT / manifests.TOPICS_PATH)
    by_name = {d["metadata"]["name"]: d for d in docs}
    assert len(by_name) == len(docs), "duplicate KafkaTopic"
    expected = declared_topics()
    assert set(by_name) == {s.name for s in expected}
    for spec in expected:
        doc = by_name[spec.name]
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert doc["kind"] == "KafkaTopic"
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert doc["spec"]["topicName"] == spec.name
        assert doc["spec"]["partitions"] == spec.partitions
        assert doc["spec"]["replicas"] == manifests.DEFAULT_REPLICAS
        config = {k: str(v) for k, v in doc["spec"]["config"].items()}
        assert config == {**spec.configs(), "min.insync.replicas": "2"}
        kind = "dead-letter" if spec.name.endswith(".dlq") else "public"
        kind = "internal" if spec in INTERNAL else kind
        assert doc["metadata"]["labels"]["kim-platform/topic-kind"] == kind


def test_generator_takes_cluster_name_and_replica_count() -> None:
    docs = load_all(manifests.render_topics(cluster="other", replicas=1))
    assert docs == manifests.topic_manifests(cluster="other", replicas=1)
    assert {d["metadata"]["labels"]["strimzi.io/cluster"] for d in docs} == {"other"}
    assert {d["spec"]["replicas"] for d in docs} == {1}
    assert {d["spec"]["config"]["min.insync.replicas"] for d in docs} == {1}
    assert [manifests.min_insync_replicas(n) for n in (1, 2, 3, 5)] == [1, 1, 2, 2]


def test_a_catalogue_change_without_regenerating_is_detected(tmp_path: Path) -> None:
    assert manifests.write_manifests(tmp_path) == [
        manifests.TOPICS_PATH,
        manifests.AGENCY_USER_PATH,
    ]
    assert manifests.stale_manifests(tmp_path) == []
    changed = (*CATALOGUE, TopicSpec("kim.registry.new.v1", partitions=3))
    (tmp_path / manifests.TOPICS_PATH).write_text(
        manifests.to_yaml(manifests.topic_manifests(catalogue=changed))
    )
    assert manifests.stale_manifests(tmp_path) == [manifests.TOPICS_PATH]


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


def test_cli_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("manifests", "check", "--root", str(tmp_path)) == 1
    assert "uv run kim manifests write" in capsys.readouterr().out
    assert _cli("manifests", "write", "--root", str(tmp_path)) == 0
    assert "Ditulis" in capsys.readouterr().out
    assert _cli("manifests", "check", "--root", str(tmp_path)) == 0
    assert "sesuai" in capsys.readouterr().out
    (tmp_path / manifests.TOPICS_PATH).write_text("# diubah\n")
    assert _cli("manifests", "check", "--root", str(tmp_path)) == 1
    assert str(manifests.TOPICS_PATH) in capsys.readouterr().out


@pytest.mark.parametrize(
    "value",
    ["35.02", "35", "yes", "on", "true", "null", "", "a: b", "#x", "-1", "0.0.0.0", "é ü", "x\ny"],
)
def test_emitted_scalars_read_back_as_the_same_string(value: str) -> None:
    doc: dict[str, manifests.Yaml] = {"k": value, "list": [value], "nested": {value or "e": value}}
    assert load_all(manifests.to_yaml([doc])) == [doc]


def test_emitter_round_trips_every_type() -> None:
    doc: dict[str, manifests.Yaml] = {
        "int": -7,
        "bool": True,
        "none": None,
        "empty_map": {},
        "empty_list": [],
        "items": [{"a": 1, "b": [{"c": "d"}]}, "x"],
    }
    assert load_all(manifests.to_yaml([doc, {"second": 2}], header=["comment"])) == [
        doc,
        {"second": 2},
    ]


# ----------------------------------------------------------------- kustomize


def test_every_kustomization_references_files_that_exist() -> None:
    kustomizations = sorted(K8S.rglob(KUSTOMIZATION))
    assert kustomizations
    referenced: set[Path] = set()
    for path in kustomizations:
        directory = path.parent
        doc = read_kustomization(directory)
        for entry in doc.get("resources") or []:
            target = (directory / entry).resolve()
            assert target.exists(), f"{path}: {entry} does not exist"
            if target.is_dir():
                assert (target / KUSTOMIZATION).is_file(), f"{path}: {entry} has no kustomization"
            referenced.add(target)
        for patch in doc.get("patches") or []:
            if "path" in patch:
                target = (directory / patch["path"]).resolve()
                assert target.is_file(), f"{path}: patch {patch['path']} does not exist"
                referenced.add(target)
    # No orphans: every manifest under base/ and overlays/ is deployed by something.
    for yaml_path in yaml_files():
        if yaml_path.name == KUSTOMIZATION or K8S / "examples" in yaml_path.parents:
            continue
        assert yaml_path.resolve() in referenced, f"{yaml_path} is in no kustomization"


def test_every_manifest_parses_and_names_its_kind() -> None:
    for path in yaml_files():
        for doc in load_file(path):
            assert isinstance(doc, dict), path
            assert doc.get("apiVersion"), path
            assert doc.get("kind"), path
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"], path


# ------------------------------------------------------------------ services


@pytest.mark.parametrize("svc", SERVICES)
def test_each_service_has_its_full_set_of_resources(base: Rendered, svc: str) -> None:
    base.get("ServiceAccount", svc)
    deployment = base.get("Deployment", svc)
    service = base.get("Service", svc)
    pdb = base.get("PodDisruptionBudget", svc)
    scaler = base.get("ScaledObject", svc)
    database = base.get("Cluster", f"{svc}-db")
    policy = base.get("NetworkPolicy", svc)
    base.get("NetworkPolicy", f"{svc}-db")

    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"], pod_labels)
    service_selector = {"matchLabels": service["spec"]["selector"]}
    assert selects(service_selector, pod_labels)
    assert selects(pdb["spec"]["selector"], pod_labels)
    assert selects(policy["spec"]["podSelector"], pod_labels)
    assert scaler["spec"]["scaleTargetRef"]["name"] == svc
    assert scaler["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    assert database["apiVersion"] == "postgresql.cnpg.io/v1"
    # Selectors of one service never pick another service's pods (an empty one picks all).
    for other in SERVICES:
        if other != svc:
            other_labels = base.get("Deployment", other)["spec"]["template"]["metadata"]["labels"]
            assert not selects(deployment["spec"]["selector"], other_labels)
            assert not selects(service_selector, other_labels), "the Service would mix pods"
            assert not selects(policy["spec"]["podSelector"], other_labels)
            assert not selects(pdb["spec"]["selector"], other_labels)


def test_keda_scales_the_services_and_no_separate_hpa_competes(base: Rendered) -> None:
    assert not base.of_kind("HorizontalPodAutoscaler")
    targets = [s["spec"]["scaleTargetRef"]["name"] for s in base.of_kind("ScaledObject")]
    assert sorted(targets) == sorted(SERVICES)
    for deployment in base.of_kind("Deployment"):
        # kubectl apply would reset what the autoscaler decided.
        assert "replicas" not in deployment["spec"], deployment["metadata"]["name"]


@pytest.mark.parametrize("svc", SERVICES)
def test_probes_ports_and_metrics(base: Rendered, svc: str) -> None:
    deployment = base.get("Deployment", svc)
    c = container(deployment)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": CONTAINER_PORT}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The broker readiness check alone may take 5 s.
    assert c["readinessProbe"]["timeoutSeconds"] > 5
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(CONTAINER_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"
    service = base.get("Service", svc)
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]


@pytest.mark.parametrize("svc", SERVICES)
def test_pods_run_non_root_read_only_with_limits(base: Rendered, svc: str) -> None:
    deployment = base.get("Deployment", svc)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == svc
    c = container(deployment)
    security = c["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert "/tmp" in mounts, "a read-only root needs a writable /tmp"
    for bound in ("requests", "limits"):
        assert set(c["resources"][bound]) == {"cpu", "memory"}, bound
    pdb = base.get("PodDisruptionBudget", svc)
    assert pdb["spec"].get("maxUnavailable") == 1, "a 1-replica overlay must stay drainable"


@pytest.mark.parametrize("svc", SERVICES)
def test_database_is_the_services_own_cloudnativepg_cluster(base: Rendered, svc: str) -> None:
    cluster = base.get("Cluster", f"{svc}-db")
    assert cluster["spec"]["bootstrap"]["initdb"] == {
        "database": f"kim_{svc}",
        "owner": f"kim_{svc}",
    }
    assert cluster["spec"]["enableSuperuserAccess"] is False
    assert cluster["spec"]["instances"] >= 2
    env = {e["name"]: e for e in container(base.get("Deployment", svc))["env"]}
    dsn = env[f"KIM_{svc.upper()}_DATABASE_URL"]
    assert "value" not in dsn
    # CloudNativePG writes the owner's credentials into <cluster>-app.
    assert dsn["valueFrom"]["secretKeyRef"] == {"name": f"{svc}-db-app", "key": "uri"}
    assert env[f"KIM_{svc.upper()}_HTTP_PORT"]["value"] == str(CONTAINER_PORT)
    env_from = container(base.get("Deployment", svc))["envFrom"]
    assert env_from == [{"configMapRef": {"name": CONFIG_MAP}}]


_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|DATABASE_URL|DSN|PRIVATE|CREDENTIAL)", re.I)
_CREDENTIAL_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def test_no_secret_values_are_committed(base: Rendered, overlays: dict[str, Rendered]) -> None:
    for path in yaml_files():
        for doc in load_file(path):
            assert doc["kind"] != "Secret", (
                f"{path}: Secrets are created in the cluster, not committed"
            )
            if doc["kind"] == "Kustomization":
                assert "secretGenerator" not in doc, path
            for where, value in walk(doc):
                key = where.rsplit("/", 1)[-1].lower()
                if key in {"password", "token", "secret", "privatekey", "private_key"}:
                    raise AssertionError(f"{path}{where}: credential-like field")
                if isinstance(value, str):
                    assert not _CREDENTIAL_IN_URL.search(value), f"{path}{where}: user:password@"
    for rendered in (base, *overlays.values()):
        for config_map in rendered.of_kind("ConfigMap"):
            for key, value in config_map["data"].items():
                assert isinstance(value, str), key
                assert not _SECRET_NAME.search(key), f"{key} belongs in a Secret reference"
        for deployment in rendered.of_kind("Deployment"):
            for env in container(deployment)["env"]:
                if _SECRET_NAME.search(env["name"]):
                    assert "secretKeyRef" in env.get("valueFrom", {}), env["name"]
                else:
                    assert isinstance(env.get("value"), str), env["name"]


# ------------------------------------------------------------------- network


def test_namespace_denies_ingress_by_default(base: Rendered) -> None:
    deny = base.get("NetworkPolicy", "default-deny-ingress")
    assert deny["spec"]["podSelector"] == {}
    assert deny["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny["spec"]


@pytest.mark.parametrize("svc", SERVICES)
def test_services_reach_only_their_database_and_kafka(base: Rendered, svc: str) -> None:
    policy = base.get("NetworkPolicy", svc)["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    destinations = []
    for rule in policy["egress"]:
        ports = {(p["protocol"], p["port"]) for p in rule["ports"]}
        for peer in rule["to"]:
            pods = (peer.get("podSelector") or {}).get("matchLabels", {})
            namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
            assert "ipBlock" not in peer
            destinations.append((tuple(sorted(namespace.items())), tuple(sorted(pods.items()))))
            if pods.get("cnpg.io/cluster"):
                assert pods == {"cnpg.io/cluster": f"{svc}-db"}
                assert ports == {("TCP", 5432)}
            elif pods.get("strimzi.io/cluster"):
                assert pods["strimzi.io/cluster"] == KAFKA_CLUSTER
                assert ports == {("TCP", 9092)}
            else:
                assert namespace == {"kubernetes.io/metadata.name": "kube-system"}
                assert pods == {"k8s-app": "kube-dns"}
                assert ports == {("UDP", 53), ("TCP", 53)}
    assert len(destinations) == 3
    # HTTP only from the ingress controller (and Prometheus for /metrics).
    sources = set()
    for rule in policy["ingress"]:
        assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("TCP", CONTAINER_PORT)}
        for peer in rule["from"]:
            assert set(peer) == {"namespaceSelector"}, "no pod-to-pod calls between services"
            sources.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    assert sources == {"ingress-nginx", "monitoring"}


@pytest.mark.parametrize("svc", SERVICES)
def test_only_the_owning_service_reaches_its_database(base: Rendered, svc: str) -> None:
    policy = base.get("NetworkPolicy", f"{svc}-db")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"cnpg.io/cluster": f"{svc}-db"}}
    admitted: set[str] = set()
    for rule in policy["ingress"]:
        for peer in rule["from"]:
            if "namespaceSelector" in peer:
                assert "podSelector" not in peer
                namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                assert namespace in {"cnpg-system", "monitoring"}, namespace
                continue
            assert peer["podSelector"], "an empty selector would admit every pod"
            for other in SERVICES:
                labels = base.get("Deployment", other)["spec"]["template"]["metadata"]["labels"]
                if selects(peer["podSelector"], labels):
                    admitted.add(other)
    assert admitted == {svc}


def test_kafka_plain_listener_admits_the_service_pods_and_keda_only(base: Rendered) -> None:
    kafka = base.get("Kafka", KAFKA_CLUSTER)
    listeners = {item["name"]: item for item in kafka["spec"]["kafka"]["listeners"]}
    plain = listeners["plain"]
    assert plain["tls"] is False
    assert plain["port"] == 9092
    peers = plain["networkPolicyPeers"]
    for peer in peers:
        # A peer with both selectors means "these pods in those namespaces": not used here.
        assert set(peer) in ({"podSelector"}, {"namespaceSelector"}), peer
    pod_selectors = [p["podSelector"] for p in peers if "podSelector" in p]
    for svc in SERVICES:
        labels = base.get("Deployment", svc)["spec"]["template"]["metadata"]["labels"]
        assert any(selects(s, labels) for s in pod_selectors), f"{svc} cannot reach Kafka"
    for selector in pod_selectors:
        for labels in non_service_pods(base):
            assert not selects(selector, labels), f"{selector} also admits pods {labels}"
    namespaces = [p["namespaceSelector"] for p in peers if "namespaceSelector" in p]
    assert namespaces == [{"matchLabels": {"kubernetes.io/metadata.name": "keda"}}]
    external = listeners["external"]
    assert external["tls"] is True
    assert external["authentication"]["type"] == "scram-sha-512"


# -------------------------------------------------------------------- kafka


def test_kafka_cluster_is_kraft_with_node_pools_and_no_auto_created_topics(base: Rendered) -> None:
    kafka = base.get("Kafka", KAFKA_CLUSTER)
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert kafka["metadata"]["annotations"] == {
        "strimzi.io/node-pools": "enabled",
        "strimzi.io/kraft": "enabled",
    }
    config = kafka["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["min.insync.replicas"] == 2
    pools = base.of_kind("KafkaNodePool")
    assert pools
    for pool in pools:
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert controllers >= 3, "a KRaft quorum that survives a loss"
    assert controllers % 2 == 1, "an odd quorum"
    for topic in base.of_kind("KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER


def test_topic_replicas_fit_the_brokers_of_every_deployment(
    base: Rendered, overlays: dict[str, Rendered]
) -> None:
    for rendered in (base, *overlays.values()):
        brokers = sum(
            p["spec"]["replicas"]
            for p in rendered.of_kind("KafkaNodePool")
            if "broker" in p["spec"]["roles"]
        )
        for topic in rendered.of_kind("KafkaTopic"):
            replicas = topic["spec"]["replicas"]
            assert replicas <= brokers, (rendered.directory, topic["metadata"]["name"])
            assert topic["spec"]["config"]["min.insync.replicas"] < replicas


def test_agency_user_reads_public_topics_only() -> None:
    (user,) = load_file(ROOT / manifests.AGENCY_USER_PATH)
    assert user["kind"] == "KafkaUser"
    assert user["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    acls = user["spec"]["authorization"]["acls"]
    topics = {a["resource"]["name"] for a in acls if a["resource"]["type"] == "topic"}
    assert topics == {spec.name for spec in CATALOGUE}
    assert not any(t.endswith(".dlq") for t in topics)
    for acl in acls:
        assert set(acl["operations"]) <= {"Read", "Describe"}, acl
        assert acl.get("type", "allow") == "allow"
        if acl["resource"]["type"] == "topic":
            assert acl["resource"]["patternType"] == "literal", "a prefix would include .dlq"
        else:
            assert acl["resource"] == {
                "type": "group",
                "name": f"{user['metadata']['name']}.",
                "patternType": "prefix",
            }


# ---------------------------------------------------------------- autoscaling


@pytest.mark.parametrize("svc", SERVICES)
def test_keda_triggers_watch_the_services_consumer_groups(base: Rendered, svc: str) -> None:
    scaler = base.get("ScaledObject", svc)
    config = base.get("ConfigMap", CONFIG_MAP)["data"]
    public = {spec.name for spec in CATALOGUE}
    triggers = scaler["spec"]["triggers"]
    assert [t for t in triggers if t["type"] == "cpu"], "HTTP load scales too"
    lag = kafka_triggers(scaler)
    assert lag, "a consumer-heavy service scales on lag"
    for trigger in triggers:
        assert all(isinstance(v, str) for v in trigger["metadata"].values()), trigger
    for trigger in lag:
        meta = trigger["metadata"]
        assert meta["topic"] in public, meta["topic"]
        assert not meta["topic"].startswith(f"kim.{svc}."), "a service does not consume itself"
        assert meta["consumerGroup"].startswith(f"{svc}."), meta["consumerGroup"]
        assert meta["bootstrapServersFromEnv"] in config
        assert meta["offsetResetPolicy"] == "earliest", "matches auto_offset_reset of new groups"
        assert meta["allowIdleConsumers"] == "false"
        assert int(meta["lagThreshold"]) > 0
    assert len({(t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in lag}) == len(lag)
    assert len({t["name"] for t in triggers}) == len(triggers)
    assert 1 <= scaler["spec"]["minReplicaCount"] <= scaler["spec"]["maxReplicaCount"]


@dataclass(frozen=True)
class Consumption:
    group: str
    topic: str


def declared_consumers(svc: str) -> set[Consumption]:
    spec = importlib.import_module(f"kim_{svc}.main").SPEC
    return {
        Consumption(consumer.name, event_type.topic.name)
        for consumer in spec.every_consumer  # its own and those of mounted projections
        for event_type in consumer.models  # per-event handlers or a batch handler's events
    }


@pytest.mark.parametrize("svc", SERVICES)
def test_every_consumer_declared_in_code_has_a_keda_trigger(base: Rendered, svc: str) -> None:
    watched = {
        Consumption(t["metadata"]["consumerGroup"], t["metadata"]["topic"])
        for t in kafka_triggers(base.get("ScaledObject", svc))
    }
    missing = declared_consumers(svc) - watched
    assert not missing, (
        f"add to deploy/k8s/base/services/{svc}/scaledobject.yaml (CONSUMED TOPICS): "
        + ", ".join(f"{m.group} ← {m.topic}" for m in sorted(missing, key=str))
    )


# ------------------------------------------------------------------ overlays


def _overlay_patches(name: str) -> list[tuple[Doc, list[Doc]]]:
    directory = K8S / "overlays" / name
    doc = read_kustomization(directory)
    return [(p["target"], patch_operations(p, directory)) for p in doc.get("patches") or []]


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlays_never_touch_topic_partitions(
    base: Rendered, overlays: dict[str, Rendered], name: str
) -> None:
    for target, ops in _overlay_patches(name):
        assert target.get("kind") not in {"KafkaTopic", None}, target
        for op in ops:
            assert "partitions" not in op["path"], op
    rendered = {t["metadata"]["name"]: t["spec"] for t in overlays[name].of_kind("KafkaTopic")}
    assert rendered == {t["metadata"]["name"]: t["spec"] for t in base.of_kind("KafkaTopic")}


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_sets_namespace_tenant_kafka_address_and_images(
    overlays: dict[str, Rendered], name: str
) -> None:
    namespace, tenant = OVERLAYS[name]
    rendered = overlays[name]
    (ns,) = rendered.of_kind("Namespace")
    assert ns["metadata"]["name"] == namespace
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] in {
        "baseline",
        "restricted",
    }
    for doc in rendered.documents:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]
        assert doc["metadata"]["labels"]["kim-platform/tenant"] == tenant
    data = rendered.get("ConfigMap", CONFIG_MAP)["data"]
    assert data["KIM_TENANT_REGION"] == tenant
    # KEDA runs in its own namespace: the address must carry the namespace.
    assert data["KIM_KAFKA_BOOTSTRAP_SERVERS"] == f"kim-kafka-kafka-bootstrap.{namespace}.svc:9092"
    assert not data["KIM_AUTH_JWKS_URL"].startswith("https://sso.example.invalid")
    for svc in SERVICES:
        image = container(rendered.get("Deployment", svc))["image"]
        assert re.fullmatch(rf"[a-z0-9.\-]+/[a-z0-9/\-]*{svc}:[0-9][\w.\-]*", image), image
        assert not image.endswith(":latest")


def test_province_is_bigger_than_the_kabupaten(
    base: Rendered, overlays: dict[str, Rendered]
) -> None:
    kabupaten, province = overlays["kabupaten-ponorogo"], overlays["provinsi-jatim"]
    for svc in SERVICES:
        small = kabupaten.get("ScaledObject", svc)["spec"]
        big = province.get("ScaledObject", svc)["spec"]
        assert (small["minReplicaCount"], small["maxReplicaCount"]) == (1, 2)
        assert big["minReplicaCount"] > small["minReplicaCount"]
        assert big["maxReplicaCount"] > base.get("ScaledObject", svc)["spec"]["maxReplicaCount"]
        assert _memory(province, svc) > _memory(base, svc)
        assert (
            province.get("Cluster", f"{svc}-db")["spec"]["instances"]
            > kabupaten.get("Cluster", f"{svc}-db")["spec"]["instances"]
        )
    assert _brokers(province) > _brokers(kabupaten)


def _memory(rendered: Rendered, svc: str) -> int:
    value: str = container(rendered.get("Deployment", svc))["resources"]["limits"]["memory"]
    units = {"Mi": 2**20, "Gi": 2**30}
    return int(value[:-2]) * units[value[-2:]]


def _brokers(rendered: Rendered) -> int:
    return sum(
        p["spec"]["replicas"]
        for p in rendered.of_kind("KafkaNodePool")
        if "broker" in p["spec"]["roles"]
    )


@pytest.mark.parametrize("name", OVERLAYS)
@pytest.mark.parametrize("svc", SERVICES)
def test_rendered_environment_is_a_valid_production_configuration(
    overlays: dict[str, Rendered], name: str, svc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = overlays[name]
    c = container(rendered.get("Deployment", svc))
    env = dict(rendered.get("ConfigMap", c["envFrom"][0]["configMapRef"]["name"])["data"])
    dsn = "postgresql://kim_x:from-the-secret@db-rw:5432/kim_x"
    for item in c["env"]:
        env[item["name"]] = item["value"] if "value" in item else dsn
    for key in list(os.environ):
        if key.startswith("KIM_"):
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
    assert settings.environment == "production"
    assert settings.auth_dev_keys is False
    assert settings.database_url == dsn
    assert settings.kafka_bootstrap_servers == env["KIM_KAFKA_BOOTSTRAP_SERVERS"]
    assert settings.http_port == CONTAINER_PORT


# ---------------------------------------------------------------- Dockerfiles


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse_dockerfile(path: Path) -> list[Instruction]:
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"


def instructions_for(svc: str) -> list[Instruction]:
    """The Dockerfile as built with ``--build-arg SERVICE=<svc>``."""
    return [
        Instruction(i.keyword, i.args.replace("${SERVICE}", svc))
        for i in parse_dockerfile(DOCKERFILE)
    ]


@pytest.mark.parametrize("svc", SERVICES)
def test_dockerfile_installs_only_its_own_service(svc: str) -> None:
    path = DOCKERFILE
    instructions = instructions_for(svc)
    for ins in instructions:
        assert "devstack" not in ins.args, f"{path}: {ins.keyword} {ins.args}"
    assert not any(i.keyword == "HEALTHCHECK" for i in instructions)

    syncs = [i.args for i in instructions if i.keyword == "RUN" and "uv sync" in i.args]
    assert syncs, "dependencies come from uv.lock"
    for run in syncs:
        words = shlex.split(run[run.index("uv sync") :])
        assert "--frozen" in words, run
        assert "--no-dev" in words, run
        assert words[words.index("--package") + 1] == f"kim-{svc}", run
        assert words.count("--package") == 1
        assert "--all-packages" not in words
    assert "--no-editable" in shlex.split(syncs[-1])
    assert "--no-install-workspace" not in shlex.split(syncs[-1])

    sources: set[str] = set()
    for ins in instructions:
        if ins.keyword in {"COPY", "ADD"} and "--from=" not in ins.args:
            *srcs, _dest = shlex.split(ins.args)
            sources.update(srcs)
    manifests = ("pyproject.toml", "uv.lock", "package.json", "package-lock.json")
    packages = {s for s in sources if not s.endswith(manifests)}
    assert packages == {"shared/", f"services/{svc}/"}, "only shared + this service's code"
    assert not any(s.startswith("deploy/") and not s.endswith("pyproject.toml") for s in sources)

    build_stages = stages(instructions)
    images = [stage[0].args.split()[0] for stage in build_stages]
    assert any(image.startswith("ghcr.io/astral-sh/uv") for image in images)
    final = build_stages[-1]
    assert final[0].args.split()[0] == "python:3.11-slim"
    users = [i.args for i in final if i.keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}
    copies = [shlex.split(i.args) for i in final if i.keyword == "COPY"]
    assert ["--from=builder", "/app/.venv", "/app/.venv"] in copies
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    # Besides the venv, only the AsyncAPI viewer's files, where the service looks for them.
    viewer = re.search(r"KIM_ASYNCAPI_VIEWER_DIR=(\S+)", env)
    assert viewer, "the image tells the service where the AsyncAPI viewer is"
    expected = DocsAssets.locate(viewer.group(1))
    other = {c[-1] for c in copies if c[0] != "--from=builder"}
    assert {str(expected.asyncapi_js), str(expected.asyncapi_css)} <= other
    for copied in copies:
        assert copied[0] in {"--from=builder", "--from=docs-assets"}, copied
        if copied[0] == "--from=docs-assets":
            assert copied[-1].startswith(viewer.group(1) + "/"), copied
    node = next(st for st in build_stages if st[0].args.split()[-1] == "docs-assets")
    assert [i.args for i in node if i.keyword == "RUN"] == [
        "npm ci --ignore-scripts --no-audit --no-fund"
    ], "the viewer comes from the committed lock"
    (cmd,) = [i.args for i in final if i.keyword == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["uvicorn", "--factory"]
    assert f"UVICORN_APP=kim_{svc}.main:create_app" in env
    assert argv[argv.index("--port") + 1] == str(CONTAINER_PORT)
    assert argv[argv.index("--host") + 1] == "0.0.0.0"


def test_dockerignore_keeps_local_state_and_the_dev_stack_out() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "an allow-list: nothing enters the build context by default"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert allowed == {
        "pyproject.toml",
        "uv.lock",
        "shared/",
        "services/",
        "deploy/local/pyproject.toml",
    }
    for excluded in ("**/tests/", "**/.venv/", "**/node_modules/"):
        assert excluded in lines
