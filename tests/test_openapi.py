"""The OpenAPI documents state what the services answer (other agencies generate clients
from them): who may call, which errors come back and in what shape, which headers an
update needs, what a region code looks like. No server is needed: the document is built
from the routes, as ``/openapi.json`` serves it."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

import pytest

from kim_shared.http.problems import PROBLEM_JSON

SERVICES = sorted(ep.name for ep in entry_points(group="kim.services"))
METHODS = {"get", "put", "post", "patch", "delete"}
PROBLEM_REF = "#/components/schemas/Problem"
BEARER: list[dict[str, list[str]]] = [{"HTTPBearer": []}]
ANYONE_OR_BEARER: list[dict[str, list[str]]] = [{}, {"HTTPBearer": []}]


def document(service: str) -> dict[str, Any]:
    app = import_module(f"kim_{service}.main").create_app()
    openapi: dict[str, Any] = app.openapi()
    return openapi


@pytest.fixture(scope="module")
def registry() -> dict[str, Any]:
    return document("registry")


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def parameter(op: dict[str, Any], location: str, name: str) -> dict[str, Any]:
    (found,) = [p for p in op.get("parameters", []) if p["in"] == location and p["name"] == name]
    assert isinstance(found, dict)
    return found


def test_public_reads_of_kim_allow_anonymous_callers(registry: dict[str, Any]) -> None:
    ops = operations(registry)
    for name in ("GET /kim", "GET /kim/{kim_id}"):
        assert ops[name]["security"] == ANYONE_OR_BEARER, name
        assert "401" in ops[name]["responses"], f"{name}: a token sent must be valid"
        assert "403" not in ops[name]["responses"], name
    assert "security" not in ops["GET /regions/{code}"]  # no token is ever read there
    assert "401" not in ops["GET /regions/{code}"]["responses"]


def test_writes_need_a_bearer_token_and_a_role(registry: dict[str, Any]) -> None:
    form = operations(registry)["POST /kim"]
    assert form["security"] == BEARER
    assert {"400", "401", "403", "409", "413", "422"} <= set(form["responses"])
    assert "admin_provinsi, operator_kabupaten" in form["responses"]["403"]["description"]
    assert form["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_is_a_problem(service: str) -> None:
    doc = document(service)
    for name, op in operations(doc).items():
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            if status == "304":  # Not Modified has no body by definition (RFC 9110 §15.4.5)
                assert "content" not in response, f"{service}: {name} 304"
                continue
            assert response["content"] == {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}, (
                f"{service}: {name} {status}"
            )
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert {"type", "title", "status", "detail", "instance", "correlation_id", "errors"} == set(
        problem["properties"]
    )
    assert problem["properties"]["errors"]["items"]["required"] == ["field", "message"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # FastAPI's 422 shape


def test_if_match_is_required_where_a_missing_one_is_a_428(registry: dict[str, Any]) -> None:
    ops = operations(registry)
    required = {
        "PATCH /kim/{kim_id}",
        "PATCH /kim/{kim_id}/members/{member_id}",
        "PUT /kabupaten/{code}/rules",
        "PUT /evaluation-periods/{period_id}/kim/{kim_id}/scores",
    }
    optional = {
        "POST /kim/{kim_id}/status",
        "POST /kim/{kim_id}/members/{member_id}/end",
        "POST /evaluation-periods/{period_id}/finalize",
    }
    for name in required | optional:
        header = parameter(ops[name], "header", "If-Match")
        assert header.get("required", False) is (name in required), name
        responses = ops[name]["responses"]
        assert {"412", "428"} <= set(responses), name
        assert responses["412"]["headers"]["ETag"]["required"] is True, name
    assert "missing" in ops["PATCH /kim/{kim_id}"]["responses"]["428"]["description"]
    others = {n for n, op in ops.items() if "If-Match" in str(op.get("parameters", ""))}
    assert others == required | optional


def test_region_codes_have_a_pattern(registry: dict[str, Any]) -> None:
    ops = operations(registry)
    code = parameter(ops["GET /regions/{code}"], "path", "code")["schema"]["pattern"]
    assert code == r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
    for name in ("GET /regions/{code}/children", "GET /regions/{code}/summary"):
        assert parameter(ops[name], "path", "code")["schema"]["pattern"] == code
    within = parameter(ops["GET /regions"], "query", "within")["schema"]
    assert within["pattern"] == code  # beside anyOf [string, null]: it constrains the string
    assert parameter(ops["GET /kabupaten/{code}/rules"], "path", "code")["schema"]["pattern"]


def test_a_routes_own_responses_override_the_derived_ones(registry: dict[str, Any]) -> None:
    imports = operations(registry)["POST /regions/imports"]["responses"]
    assert "(CLI only)" in imports["403"]["description"]
    assert imports["403"]["content"] == {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    assert "404" not in imports  # no path parameter, nothing looked up by the path
