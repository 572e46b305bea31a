"""Kubernetes manifests, checked structurally (no cluster here).

The base and each overlay are rendered by the real ``kustomize build``
(tests/deploy/rendering.py) and read with PyYAML, then the documents are
inspected: generated topics equal the catalogue, each deployable has its full
set of resources, probes, security, secrets by reference only, network
isolation, ingress with TLS, and KEDA scaling that covers the declared
consumers. Schemas: test_k8s_schemas.py; databases: test_k8s_databases.py;
images and compose: test_images.py, test_compose.py.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kim_devstack import manifests
from kim_devstack.manifests_cli import register
from kim_shared.events.topics import CATALOGUE, INTERNAL, TopicSpec, declared_topics
from kim_shared.settings import ServiceSettings
from tests.deploy.rendering import K8S, KUSTOMIZATION, ROOT, Rendered, load_file, read_kustomization
from tests.deploy.support import (
    CONFIG_MAP,
    CONTAINER_PORT,
    DEPLOYABLES,
    KAFKA_CLUSTER,
    OVERLAYS,
    PORTAL,
    PORTAL_CONFIG_MAP,
    SERVICES,
    Doc,
    container,
    container_env,
    pod_labels,
    selects,
    walk,
)


def kafka_triggers(scaled_object: Doc) -> list[Doc]:
    return [t for t in scaled_object["spec"]["triggers"] if t["type"] == "kafka"]


def non_service_pods(rendered: Rendered) -> list[dict[str, str]]:
    """Labels of pods in the namespace that are not KIM service pods: none at all (what an
    empty selector matches), the platform's own labels alone, the portal, each
    CloudNativePG instance and pooler, and each Kafka node (their operators add the
    cluster label to the resource's labels)."""
    platform = {"app.kubernetes.io/part-of": "kim-platform"}
    pods: list[dict[str, str]] = [{}, platform, pod_labels(rendered, PORTAL)]
    for cluster in rendered.of_kind("Cluster"):
        name = cluster["metadata"]["name"]
        pods.append({**cluster["metadata"].get("labels", {}), "cnpg.io/cluster": name})
    for pooler in rendered.of_kind("Pooler"):
        labels = pooler["spec"]["template"]["metadata"]["labels"]
        pods.append({**labels, "cnpg.io/poolerName": pooler["metadata"]["name"]})
    for pool in rendered.of_kind("KafkaNodePool"):
        labels = pool["metadata"].get("labels", {})
        pods.append({**labels, "strimzi.io/pool-name": pool["metadata"]["name"]})
    return pods


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
        assert doc["apiVersion"] == "kafka.strimzi.io/v1"
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
    docs = list(yaml.safe_load_all(manifests.render_topics(cluster="other", replicas=1)))
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
    assert list(yaml.safe_load_all(manifests.to_yaml([doc]))) == [doc]


def test_emitter_round_trips_every_type() -> None:
    doc: dict[str, manifests.Yaml] = {
        "int": -7,
        "bool": True,
        "none": None,
        "empty_map": {},
        "empty_list": [],
        "items": [{"a": 1, "b": [{"c": "d"}]}, "x"],
    }
    assert list(yaml.safe_load_all(manifests.to_yaml([doc, {"second": 2}], header=["c"]))) == [
        doc,
        {"second": 2},
    ]


# ----------------------------------------------------------------- kustomize


def test_every_manifest_file_is_in_a_kustomization() -> None:
    """kustomize fails on a missing file; this catches the opposite: a manifest that
    nothing deploys (examples/ are applied by hand, on purpose)."""
    referenced: set[Path] = set()
    for path in sorted(K8S.rglob(KUSTOMIZATION)):
        directory = path.parent
        doc = read_kustomization(directory)
        for entry in doc.get("resources") or []:
            referenced.add((directory / entry).resolve())
        for patch in doc.get("patches") or []:
            if "path" in patch:
                referenced.add((directory / patch["path"]).resolve())
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


def test_generated_config_maps_are_referenced_by_their_hashed_names(
    environments: dict[str, Rendered],
) -> None:
    """kustomize appends a content hash to generated ConfigMaps and rewrites references,
    so a settings change rolls the pods; every reference must resolve."""
    for rendered in environments.values():
        # The Grafana dashboard is a plain ConfigMap (the sidecar finds it by label; a hashed
        # name would leave every old version behind as another dashboard).
        names = {c["metadata"]["name"] for c in rendered.of_kind("ConfigMap")} - {
            "kim-grafana-dashboard"
        }
        assert {n.rsplit("-", 1)[0] for n in names} == {CONFIG_MAP, PORTAL_CONFIG_MAP}
        for name in DEPLOYABLES:
            for source in container(rendered.get("Deployment", name))["envFrom"]:
                assert source["configMapRef"]["name"] in names


# ------------------------------------------------------------------ services


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_each_deployable_has_its_full_set_of_resources(base: Rendered, name: str) -> None:
    base.get("ServiceAccount", name)
    deployment = base.get("Deployment", name)
    service = base.get("Service", name)
    pdb = base.get("PodDisruptionBudget", name)
    scaler = base.get("ScaledObject", name)
    policy = base.get("NetworkPolicy", name)
    ingress = base.get("Ingress", name)

    labels = pod_labels(base, name)
    assert selects(deployment["spec"]["selector"], labels)
    service_selector = {"matchLabels": service["spec"]["selector"]}
    assert selects(service_selector, labels)
    assert selects(pdb["spec"]["selector"], labels)
    assert selects(policy["spec"]["podSelector"], labels)
    assert scaler["spec"]["scaleTargetRef"]["name"] == name
    assert scaler["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": name, "port": {"name": "http"}}
    # Selectors of one deployable never pick another one's pods (an empty one picks all).
    for other in DEPLOYABLES:
        if other != name:
            other_labels = pod_labels(base, other)
            assert not selects(deployment["spec"]["selector"], other_labels)
            assert not selects(service_selector, other_labels), "the Service would mix pods"
            assert not selects(policy["spec"]["podSelector"], other_labels)
            assert not selects(pdb["spec"]["selector"], other_labels)


def test_keda_scales_every_deployable_and_no_separate_hpa_competes(base: Rendered) -> None:
    assert not base.of_kind("HorizontalPodAutoscaler")
    targets = [s["spec"]["scaleTargetRef"]["name"] for s in base.of_kind("ScaledObject")]
    assert sorted(targets) == sorted(DEPLOYABLES)
    for deployment in base.of_kind("Deployment"):
        # kubectl apply would reset what the autoscaler decided.
        assert "replicas" not in deployment["spec"], deployment["metadata"]["name"]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_probes_ports_and_metrics(base: Rendered, name: str) -> None:
    deployment = base.get("Deployment", name)
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
    service = base.get("Service", name)
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    assert container_env(base, deployment)[f"KIM_{name.upper()}_HTTP_PORT"] == str(CONTAINER_PORT)


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_pods_run_non_root_read_only_with_limits(base: Rendered, name: str) -> None:
    deployment = base.get("Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == name
    c = container(deployment)
    security = c["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert "/tmp" in mounts, "a read-only root needs a writable /tmp"
    for bound in ("requests", "limits"):
        assert set(c["resources"][bound]) == {"cpu", "memory"}, bound
    pdb = base.get("PodDisruptionBudget", name)
    assert pdb["spec"].get("maxUnavailable") == 1, "a 1-replica overlay must stay drainable"


def test_portal_talks_to_the_services_in_cluster_and_owns_no_data(base: Rendered) -> None:
    env = container_env(base, base.get("Deployment", PORTAL))
    for svc in SERVICES:
        assert env[f"KIM_PORTAL_{svc.upper()}_URL"] == f"http://{svc}", "the Service, port 80"
    assert env["KIM_PORTAL_SESSION_SECRET"] == "secret:portal-session/key"
    assert env["KIM_PORTAL_SECURE_COOKIES"] == "true"
    assert env["KIM_PORTAL_OIDC_CLIENT_ID"]
    assert not [k for k in env if "DATABASE" in k or k.startswith("PG")]
    assert base.get("ScaledObject", PORTAL)["spec"]["triggers"] == [
        {
            "type": "cpu",
            "name": "http-cpu",
            "metricType": "Utilization",
            "metadata": {"value": "70"},
        }
    ]


_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL)", re.I)
_CREDENTIAL_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def test_no_secret_values_are_committed(environments: dict[str, Rendered]) -> None:
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
    for rendered in environments.values():
        for config_map in rendered.of_kind("ConfigMap"):
            for key, value in config_map["data"].items():
                assert isinstance(value, str), key
                assert not _SECRET_NAME.search(key), f"{key} belongs in a Secret reference"
        for deployment in rendered.of_kind("Deployment"):
            for env in container(deployment)["env"]:
                if _SECRET_NAME.search(env["name"]):
                    assert "secretKeyRef" in env.get("valueFrom", {}), env["name"]
                elif "value" in env:
                    assert isinstance(env["value"], str), env["name"]
                    assert not _CREDENTIAL_IN_URL.search(env["value"]), env["name"]
                else:
                    assert "secretKeyRef" in env["valueFrom"], env["name"]


# ------------------------------------------------------------------- network


def test_namespace_denies_ingress_by_default(base: Rendered) -> None:
    deny = base.get("NetworkPolicy", "default-deny-ingress")
    assert deny["spec"]["podSelector"] == {}
    assert deny["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny["spec"]


def _ports(rule: Doc) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for p in rule["ports"]}


def _namespace(peer: Doc) -> str:
    name: str = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    return name


@pytest.mark.parametrize("svc", SERVICES)
def test_services_reach_only_their_pooler_and_kafka(base: Rendered, svc: str) -> None:
    policy = base.get("NetworkPolicy", svc)["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    destinations = []
    for rule in policy["egress"]:
        ports = _ports(rule)
        for peer in rule["to"]:
            pods = (peer.get("podSelector") or {}).get("matchLabels", {})
            namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
            assert "ipBlock" not in peer
            destinations.append((tuple(sorted(namespace.items())), tuple(sorted(pods.items()))))
            if "cnpg.io/poolerName" in pods:
                assert pods == {"cnpg.io/poolerName": f"{svc}-db-pooler"}
                assert ports == {("TCP", 5432)}
            elif pods.get("strimzi.io/cluster"):
                assert pods["strimzi.io/cluster"] == KAFKA_CLUSTER
                assert ports == {("TCP", 9092)}
            else:
                assert namespace == {"kubernetes.io/metadata.name": "kube-system"}
                assert pods == {"k8s-app": "kube-dns"}
                assert ports == {("UDP", 53), ("TCP", 53)}
    assert len(destinations) == 3
    # HTTP only from the ingress controller, the portal and Prometheus (/metrics).
    sources = set()
    for rule in policy["ingress"]:
        assert _ports(rule) == {("TCP", CONTAINER_PORT)}
        for peer in rule["from"]:
            if "podSelector" in peer:
                assert "namespaceSelector" not in peer
                admitted = {
                    n for n in DEPLOYABLES if selects(peer["podSelector"], pod_labels(base, n))
                }
                assert admitted == {PORTAL}, "no pod-to-pod calls between services"
                sources.add(PORTAL)
            else:
                sources.add(_namespace(peer))
    assert sources == {"ingress-nginx", "monitoring", PORTAL}


def test_portal_reaches_the_services_and_the_identity_provider_only(base: Rendered) -> None:
    policy = base.get("NetworkPolicy", PORTAL)["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    reached: set[str] = set()
    namespaces: set[str] = set()
    for rule in policy["egress"]:
        for peer in rule["to"]:
            assert "ipBlock" not in peer
            if "namespaceSelector" in peer:
                namespaces.add(_namespace(peer))
                continue
            hits = {n for n in DEPLOYABLES if selects(peer["podSelector"], pod_labels(base, n))}
            assert len(hits) == 1, peer
            assert _ports(rule) == {("TCP", CONTAINER_PORT)}
            reached |= hits
            for labels in non_service_pods(base):
                assert not selects(peer["podSelector"], labels), "no database, no Kafka"
    assert reached == set(SERVICES)
    assert namespaces == {"keycloak", "kube-system"}
    sources = {_namespace(peer) for rule in policy["ingress"] for peer in rule["from"]}
    assert sources == {"ingress-nginx", "monitoring"}


def _admitted(base: Rendered, policy: Doc) -> tuple[set[str], set[str], list[Doc]]:
    """Deployables and namespaces a policy's ingress admits, and its other pod selectors."""
    deployables: set[str] = set()
    namespaces: set[str] = set()
    others: list[Doc] = []
    for rule in policy["ingress"]:
        for peer in rule["from"]:
            if "namespaceSelector" in peer:
                assert "podSelector" not in peer
                namespaces.add(_namespace(peer))
                continue
            assert peer["podSelector"], "an empty selector would admit every pod"
            hits = {n for n in DEPLOYABLES if selects(peer["podSelector"], pod_labels(base, n))}
            deployables |= hits
            if not hits:
                others.append(peer["podSelector"])
    return deployables, namespaces, others


@pytest.mark.parametrize("svc", SERVICES)
def test_only_the_owning_service_reaches_its_database_through_its_pooler(
    base: Rendered, svc: str
) -> None:
    pooler_pods = {"cnpg.io/poolerName": f"{svc}-db-pooler"}
    pooler = base.get("NetworkPolicy", f"{svc}-db-pooler")["spec"]
    assert pooler["podSelector"] == {"matchLabels": pooler_pods}
    deployables, namespaces, others = _admitted(base, pooler)
    assert deployables == {svc}
    assert namespaces == {"monitoring"}
    assert others == []

    database = base.get("NetworkPolicy", f"{svc}-db")["spec"]
    assert database["podSelector"] == {"matchLabels": {"cnpg.io/cluster": f"{svc}-db"}}
    deployables, namespaces, others = _admitted(base, database)
    assert deployables == set(), "services connect through the pooler, never directly"
    assert namespaces == {"cnpg-system", "monitoring"}
    assert others == [
        {"matchLabels": pooler_pods},
        {"matchLabels": {"cnpg.io/cluster": f"{svc}-db"}},
    ]


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
        assert any(selects(s, pod_labels(base, svc)) for s in pod_selectors), f"{svc}: no Kafka"
    for selector in pod_selectors:
        for labels in non_service_pods(base):
            assert not selects(selector, labels), f"{selector} also admits pods {labels}"
    namespaces = [p["namespaceSelector"] for p in peers if "namespaceSelector" in p]
    assert namespaces == [{"matchLabels": {"kubernetes.io/metadata.name": "keda"}}]
    external = listeners["external"]
    assert external["tls"] is True
    assert external["authentication"]["type"] == "scram-sha-512"


@pytest.mark.parametrize("env", ["base", *OVERLAYS])
def test_every_deployable_is_published_with_tls(
    environments: dict[str, Rendered], env: str
) -> None:
    rendered = environments[env]
    hosts: list[str] = []
    for name in DEPLOYABLES:
        ingress = rendered.get("Ingress", name)
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        assert ingress["spec"]["ingressClassName"] == "nginx", "the namespace policies admit it"
        (rule,) = ingress["spec"]["rules"]
        (tls,) = ingress["spec"]["tls"]
        assert tls["hosts"] == [rule["host"]], "the certificate covers the host served"
        assert tls["secretName"] == f"{name}-tls"
        hosts.append(rule["host"])
        if env != "base":
            assert not rule["host"].endswith(".invalid"), "the overlay sets its own host"
    assert len(set(hosts)) == len(hosts)
    assert not rendered.of_kind("HTTPRoute"), "one way in: Ingress"


# -------------------------------------------------------------------- kafka


def test_kafka_cluster_is_kraft_with_node_pools_and_no_auto_created_topics(base: Rendered) -> None:
    kafka = base.get("Kafka", KAFKA_CLUSTER)
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    # KRaft and node pools are all Strimzi 1.x knows; the old opt-in annotations are gone.
    assert not set(kafka["metadata"].get("annotations", {})) & {
        "strimzi.io/node-pools",
        "strimzi.io/kraft",
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
    config = container_env(base, base.get("Deployment", svc))
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


def _overlay_patches(name: str) -> list[tuple[Doc, str]]:
    """(target, patch text) of each patch of an overlay, inline or from a file."""
    directory = K8S / "overlays" / name
    patches = []
    for patch in read_kustomization(directory).get("patches") or []:
        text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
        patches.append((patch.get("target") or {}, text))
    return patches


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlays_never_touch_topic_partitions(
    base: Rendered, overlays: dict[str, Rendered], name: str
) -> None:
    for target, text in _overlay_patches(name):
        assert target.get("kind") not in {"KafkaTopic", None}, target
        assert "partitions" not in text, text
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
    data = rendered.generated_config_map(CONFIG_MAP)["data"]
    assert data["KIM_TENANT_REGION"] == tenant
    # KEDA runs in its own namespace: the address must carry the namespace.
    assert data["KIM_KAFKA_BOOTSTRAP_SERVERS"] == f"kim-kafka-kafka-bootstrap.{namespace}.svc:9092"
    assert not data["KIM_AUTH_JWKS_URL"].startswith("https://sso.example.invalid")
    portal = rendered.generated_config_map(PORTAL_CONFIG_MAP)["data"]
    assert portal["KIM_PORTAL_OIDC_ISSUER_URL"] == data["KIM_AUTH_ISSUER"]
    for deployable in DEPLOYABLES:
        image = container(rendered.get("Deployment", deployable))["image"]
        assert re.fullmatch(rf"[a-z0-9.\-]+/[a-z0-9/\-]*{deployable}:[0-9][\w.\-]*", image), image
        assert not image.endswith(":latest")


def test_province_is_bigger_than_the_kabupaten(
    base: Rendered, overlays: dict[str, Rendered]
) -> None:
    kabupaten, province = overlays["kabupaten-ponorogo"], overlays["provinsi-jatim"]
    for name in DEPLOYABLES:
        small = kabupaten.get("ScaledObject", name)["spec"]
        big = province.get("ScaledObject", name)["spec"]
        assert (small["minReplicaCount"], small["maxReplicaCount"]) == (1, 2)
        assert big["minReplicaCount"] > small["minReplicaCount"]
        assert big["maxReplicaCount"] > base.get("ScaledObject", name)["spec"]["maxReplicaCount"]
        assert _memory(province, name) > _memory(base, name)
    for svc in SERVICES:
        assert (
            province.get("Cluster", f"{svc}-db")["spec"]["instances"]
            > kabupaten.get("Cluster", f"{svc}-db")["spec"]["instances"]
        )
    assert _brokers(province) > _brokers(kabupaten)


def _memory(rendered: Rendered, name: str) -> int:
    value: str = container(rendered.get("Deployment", name))["resources"]["limits"]["memory"]
    units = {"Mi": 2**20, "Gi": 2**30}
    return int(value[:-2]) * units[value[-2:]]


def _brokers(rendered: Rendered) -> int:
    return sum(
        p["spec"]["replicas"]
        for p in rendered.of_kind("KafkaNodePool")
        if "broker" in p["spec"]["roles"]
    )


def _settings_from(env: dict[str, str], module_name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The settings object a pod with this environment would build."""
    for key in list(os.environ):
        if key.startswith(("KIM_", "PG")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    module = importlib.import_module(module_name)
    (settings_class,) = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and obj.__module__ == module_name
        and obj.__name__.endswith("Settings")
    ]
    return settings_class()


@pytest.mark.parametrize("name", OVERLAYS)
@pytest.mark.parametrize("svc", SERVICES)
def test_rendered_environment_is_a_valid_production_configuration(
    overlays: dict[str, Rendered], name: str, svc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = overlays[name]
    env = container_env(rendered, rendered.get("Deployment", svc))
    assert env["PGUSER"] == f"secret:{svc}-db-app/username"
    assert env["PGPASSWORD"] == f"secret:{svc}-db-app/password"
    settings = _settings_from(env, f"kim_{svc}.settings", monkeypatch)
    assert isinstance(settings, ServiceSettings)
    assert settings.environment == "production"
    assert settings.auth_dev_keys is False
    # No credentials in the URL (asyncpg takes PGUSER/PGPASSWORD); the pooler's Service.
    assert settings.database_url == f"postgresql://{svc}-db-pooler:5432/kim_{svc}"
    rendered.get("Pooler", f"{svc}-db-pooler")
    assert settings.kafka_bootstrap_servers == env["KIM_KAFKA_BOOTSTRAP_SERVERS"]
    assert settings.http_port == CONTAINER_PORT


@pytest.mark.parametrize("name", OVERLAYS)
def test_rendered_portal_environment_is_a_valid_production_configuration(
    overlays: dict[str, Rendered], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = overlays[name]
    env = container_env(rendered, rendered.get("Deployment", PORTAL))
    env["KIM_PORTAL_SESSION_SECRET"] = "from-the-secret-" + "x" * 32
    settings = _settings_from(env, "kim_portal.settings", monkeypatch)
    assert settings.environment == "production"
    assert settings.dev_sign_in is False
    assert settings.registry_url == "http://registry"
    assert settings.http_port == CONTAINER_PORT
