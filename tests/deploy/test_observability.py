"""Monitoring manifests (deploy/k8s/base/observability): ServiceMonitors select the
services' Services, and every metric the alert rules and the Grafana dashboard query
is exported by the services' ``GET /metrics``.

Metric names are read from the PromQL expressions with ``promql-parser`` (Python
bindings of the Rust parser GreptimeDB uses): every vector selector's name, or its
``__name__`` matcher. Grafana's range variables (``$__rate_interval``) are replaced by a
duration first; other variables only appear inside label values, which parse as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
import yaml
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.testing import eventually

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
OBSERVABILITY = BASE / "observability"
OPERATIONS_GUIDE = ROOT / "docs" / "operations.md"
SERVICES = ("registry", "content", "marketplace", "mentoring")
MONITORED = (*SERVICES, "portal")
# Series Prometheus writes itself for every target it scrapes, never on /metrics.
PROMETHEUS_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
# Added by Prometheus to every sample of a ServiceMonitor target, never on /metrics.
TARGET_LABELS = frozenset({"namespace", "service", "pod", "job", "instance", "endpoint"})
_GRAFANA_RANGES = re.compile(
    r"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}"
)
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<selector>.+),\s*\w+\s*\)\s*$")
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "gauge": ("",),
    "unknown": ("",),
}


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((OBSERVABILITY / name).read_text()) if d]


def service_monitors() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents("service-monitors.yaml")}


def rules() -> list[dict[str, Any]]:
    (doc,) = documents("prometheus-rules.yaml")
    assert doc["apiVersion"] == "monitoring.coreos.com/v1"
    assert doc["kind"] == "PrometheusRule"
    return [rule for group in doc["spec"]["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    (doc,) = documents("grafana-dashboard.yaml")
    assert doc["kind"] == "ConfigMap"
    assert doc["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = doc["data"].values()
    board: dict[str, Any] = json.loads(text)
    return board


def dashboard_queries(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r} {target['refId']}", target["expr"]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            match = _LABEL_VALUES.match(query)
            assert match, f"variable {variable['name']}: {query!r} is not label_values(...)"
            yield f"variable {variable['name']}", match["selector"]


def all_queries() -> list[tuple[str, str]]:
    return [(f"alert {r['alert']}", r["expr"]) for r in rules()] + list(
        dashboard_queries(dashboard())
    )


def parse(expr: str) -> promql_parser.Expr:
    return promql_parser.parse(_GRAFANA_RANGES.sub("5m", expr))


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched) of every vector selector in ``expr``."""
    found: list[tuple[str, set[str]]] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            labels = {m.name for m in node.matchers.matchers}
            names = [m.value for m in node.matchers.matchers if m.name == "__name__"]
            name = node.name or (names[0] if names else None)
            assert name, f"{expr}: a selector without a metric name"
            found.append((name, labels - {"__name__"}))

    promql_parser.walk(parse(expr), visit)
    return found


def metric_names(expr: str) -> set[str]:
    return {name for name, _ in selectors(expr)}


# ----------------------------------------------------------------------- manifests


def test_observability_is_deployed_by_the_base_and_lists_every_file() -> None:
    base = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert "observability" in base["resources"]
    own = yaml.safe_load((OBSERVABILITY / "kustomization.yaml").read_text())
    files = {p.name for p in OBSERVABILITY.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(own["resources"]) == files


def test_one_service_monitor_per_service() -> None:
    assert set(service_monitors()) == set(MONITORED)


@pytest.mark.parametrize("name", MONITORED)
def test_service_monitor_scrapes_the_services_metrics_port(name: str) -> None:
    monitor = service_monitors()[name]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    path = BASE / "services" / name / "service.yaml"
    (service,) = [d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Service"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/name"] == name
    labels = service["metadata"]["labels"]
    assert {k: labels.get(k) for k in selector} == selector, "the selector misses the Service"
    ports = {p["name"] for p in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports
        assert endpoint["path"] == "/metrics"


def test_selector_labels_pick_one_service_only() -> None:
    names = [
        m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for m in service_monitors().values()
    ]
    assert len(names) == len(set(names))


def test_alerts_cover_lag_outbox_dead_letters_readiness_and_latency() -> None:
    by_metric: dict[str, list[str]] = {}
    for rule in rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        for name in metric_names(rule["expr"]):
            by_metric.setdefault(name, []).append(rule["alert"])
    for needed in (
        "kim_consumer_lag_messages",
        "kim_outbox_oldest_pending_age_seconds",
        "kim_outbox_parked_events",
        "kim_dlq_messages_total",
        "kim_readiness_changes_total",
        "http_request_duration_seconds_bucket",
    ):
        assert needed in by_metric, f"no alert watches {needed}"
    p99 = [r for r in rules() if "histogram_quantile(0.99" in r["expr"].replace(" ", "")]
    assert p99, "no p99 latency alert"


def _github_anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_runbook_links_point_at_sections_of_the_operations_guide() -> None:
    anchors = {
        _github_anchor(line.lstrip("#"))
        for line in OPERATIONS_GUIDE.read_text().splitlines()
        if line.startswith("#")
    }
    anchors |= set(re.findall(r'<a id="([^"]+)"', OPERATIONS_GUIDE.read_text()))
    for rule in rules():
        runbook = rule["annotations"].get("runbook")
        if runbook:
            path, _, anchor = runbook.partition("#")
            assert path == "docs/operations.md", rule["alert"]
            assert anchor in anchors, f"{rule['alert']}: no section #{anchor}"


def test_every_query_parses_and_filters_on_known_labels_only() -> None:
    queries = all_queries()
    assert len(queries) > 20
    for where, expr in queries:
        for name, labels in selectors(expr):
            unknown = labels - TARGET_LABELS - {"route", "status", "method", "group", "topic"}
            assert not unknown, f"{where}: {name} filtered on unknown labels {unknown}"


def test_the_name_extraction_sees_every_selector() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="1"}[$__rate_interval])))'
        ' / on() group_left b and {__name__="c"} or max_over_time(d[5m:1m])'
    )
    assert metric_names(expr) == {"a_bucket", "b", "c", "d"}


def test_dashboard_is_grafana_json_with_unique_panel_ids() -> None:
    board = dashboard()
    assert board["uid"] == "kim-platform"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in board["templating"]["list"]}
    assert {"datasource", "namespace", "service"} <= variables
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]


# ------------------------------------------------------- what the services export


def exported_names(text: str) -> tuple[set[str], set[str]]:
    """(every sample name the exposition's families can have, sample names present)."""
    possible: set[str] = set()
    present: set[str] = set()
    for family in text_string_to_metric_families(text):
        possible |= {family.name + suffix for suffix in _SUFFIXES[family.type]}
        present |= {sample.name for sample in family.samples}
    return possible | present, present


# Series that appear only once a consumer handled or dead-lettered a record: their
# families (HELP/TYPE) are exported from the start; the samples need Kafka traffic on
# the services' real topics, which other tests of the session read.
EVENT_DRIVEN = frozenset({"kim_dlq_messages_total", "kim_consumer_events_total"})


@pytest.fixture(params=SERVICES)
async def running(
    request: pytest.FixtureRequest, fresh_db: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[tuple[str, FastAPI]]:
    service: str = request.param
    module = import_module(f"kim_{service}.settings")
    settings = getattr(module, f"{service.capitalize()}Settings")(
        database_url=fresh_db,
        kafka_bootstrap_servers=kafka_bootstrap,
        auth_dev_key_dir=str(tmp_path / "keys"),
        log_json=False,
    )
    app: FastAPI = import_module(f"kim_{service}.main").create_app(settings)
    async with app.router.lifespan_context(app):
        yield service, app


@pytest.mark.integration
async def test_every_queried_metric_is_exported(running: tuple[str, FastAPI]) -> None:
    service, app = running
    spec = import_module(f"kim_{service}.main").SPEC
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        assert (await http.get("/readyz")).status_code == 200
        assert (await http.get("/no-such-route")).status_code == 404
        text = ""

        async def scraped_with_lag() -> bool:
            nonlocal text
            text = (await http.get("/metrics")).text
            _, present = exported_names(text)
            return not spec.every_consumer or "kim_consumer_lag_messages" in present

        await eventually(scraped_with_lag, within=60, what=f"{service}'s consumers to join")

    possible, present = exported_names(text)
    wanted = {
        name: where
        for where, expr in all_queries()
        for name in metric_names(expr)
        if name not in PROMETHEUS_SERIES
    }
    missing = {name: where for name, where in wanted.items() if name not in possible}
    assert not missing, f"{service} does not export {missing}"
    no_series = {
        name: where
        for name, where in wanted.items()
        if name not in present and name not in EVENT_DRIVEN
    }
    assert not no_series, f"{service} exports no series of {no_series}"
