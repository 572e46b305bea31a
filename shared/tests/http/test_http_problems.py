"""Problem details: shape, validation errors, router errors, 500s, database errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from kim_shared.auth.errors import AuthUnavailable, Unauthorized
from kim_shared.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Issue,
    NotFound,
    PayloadTooLarge,
    StaleVersion,
    VersionRequired,
)
from kim_shared.http.concurrency import MISSING
from kim_shared.http.problems import (
    PROBLEM_JSON,
    Problem,
    error_from_db,
    install_problem_handlers,
    problem_from_domain_error,
)


class KimIn(BaseModel):
    name: str = Field(min_length=3)
    members: int


def pg_error(**fields: str) -> Exception:
    """An asyncpg exception as the driver builds it from a server error message."""
    error = asyncpg.PostgresError.new(fields)
    assert isinstance(error, Exception)
    return error


DUPLICATE = {
    "C": "23505",
    "M": 'duplicate key value violates unique constraint "kim_name_key"',
    "D": "Key (name)=(KIM Sukorejo) already exists.",
    "n": "kim_name_key",
    "t": "kim",
}


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, constraint_messages={"kim_code_key": "That code is taken."})

    @app.post("/kims/{kim_id}")
    async def create(kim_id: int, body: KimIn) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/kims/{kim_id}")
    async def read(kim_id: int) -> dict[str, int]:
        if kim_id == 404:
            raise NotFound(f"KIM {kim_id} was not found.")
        if kim_id == 412:
            raise StaleVersion(7, "KIM")
        if kim_id == 428:
            raise VersionRequired(MISSING)
        if kim_id == 409:
            raise pg_error(**DUPLICATE)
        if kim_id == 410:
            raise pg_error(
                **{**DUPLICATE, "n": "kim_code_key", "D": "Key (code)=(x) already exists."}
            )
        if kim_id == 4090:
            raise Conflict("The KIM is dissolved.", slug="kim-dissolved")
        if kim_id == 4220:
            raise Invalid("founded_on lies in the future.", field="body.founded_on")
        if kim_id == 503:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 15432)")
        if kim_id == 500:
            raise RuntimeError("secret connection string postgres://admin:hunter2@db")
        return {"id": kim_id}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["type"], str)
    return dict(body)


async def test_problem_is_rendered_as_rfc9457(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/kims/404"), 404)
    assert body == {
        "type": "https://kim.example/problems/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "KIM 404 was not found.",
        "instance": "/kims/404",
    }


async def test_precondition_helpers(client: httpx.AsyncClient) -> None:
    failed = await client.get("/kims/412")
    assert_problem(failed, 412)
    assert failed.headers["etag"] == '"7"'
    assert "If-Match" in str(failed.json()["detail"])
    required = assert_problem(await client.get("/kims/428"), 428)
    assert "If-Match" in str(required["detail"])


async def test_validation_error_lists_fields_without_echoing_input(
    client: httpx.AsyncClient,
) -> None:
    huge = "x" * 100_000
    response = await client.post("/kims/abc", json={"name": "ab", "members": huge})
    body = assert_problem(response, 422)
    errors = body["errors"]
    assert isinstance(errors, list)
    fields = {e["field"] for e in errors}
    assert fields == {"path.kim_id", "body.name", "body.members"}
    assert all(set(e) == {"field", "message"} for e in errors)
    assert "body.name: String should have at least 3 characters" in str(body["detail"])
    assert body["type"] == "https://kim.example/problems/validation-error"
    assert huge not in response.text
    assert len(response.content) < 2_000


async def test_missing_body_and_invalid_json(client: httpx.AsyncClient) -> None:
    missing = assert_problem(await client.post("/kims/1"), 422)
    assert missing["errors"] == [{"field": "body", "message": "Field required"}]
    broken = await client.post(
        "/kims/1", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(broken, 422)
    assert body["errors"][0]["field"] == "body"  # type: ignore[index]
    assert "Invalid JSON" in body["errors"][0]["message"]  # type: ignore[index]


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/nowhere"), 404)
    assert body["detail"] == "Nothing is found at GET /nowhere."
    assert body["type"] == "https://kim.example/problems/not-found"  # as NotFound renders
    wrong = await client.delete("/kims/1")
    body = assert_problem(wrong, 405)
    assert "DELETE is not allowed on /kims/1" in str(body["detail"])
    # Every method of the path, not only those of the first route Starlette matched.
    assert wrong.headers["allow"] == "GET, POST"
    assert body["detail"] == "DELETE is not allowed on /kims/1; allowed: GET, POST."


async def test_allow_names_every_method_of_an_included_routers_path() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter(prefix="/kim")

    @router.get("/{kim_id}")
    async def read(kim_id: int) -> dict[str, int]:
        return {"id": kim_id}

    @router.patch("/{kim_id}")
    async def change(kim_id: int) -> dict[str, int]:
        return {"id": kim_id}

    @router.get("/{kim_id}/members")
    async def members(kim_id: int) -> list[int]:
        return []

    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for method in ("OPTIONS", "DELETE", "PUT"):
            wrong = await http.request(method, "/kim/3")
            assert wrong.status_code == 405
            assert wrong.headers["allow"] == "GET, PATCH"
        assert (await http.post("/kim/3/members")).headers["allow"] == "GET"


async def test_unhandled_exception_is_a_generic_500_with_logged_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="kim_shared.http.problems"):
        response = await client.get("/kims/500")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["type"] == "https://kim.example/problems/internal-error"
    [record] = [r for r in caplog.records if r.name == "kim_shared.http.problems"]
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


async def test_a_database_that_refuses_connections_is_a_503_to_retry(
    client: httpx.AsyncClient,
) -> None:
    """An outage is not the request's fault nor a bug: 503 with Retry-After, not a 500."""
    response = await client.get("/kims/503")
    body = assert_problem(response, 503)
    assert body["type"] == "https://kim.example/problems/service-unavailable"
    assert response.headers["retry-after"] == "5"
    assert "15432" not in response.text


async def test_unique_violation_is_409_without_the_value(client: httpx.AsyncClient) -> None:
    response = await client.get("/kims/409")
    body = assert_problem(response, 409)
    assert body["detail"] == "A record with the same name already exists in kim."
    assert "Sukorejo" not in response.text
    custom = assert_problem(await client.get("/kims/410"), 409)
    assert custom["detail"] == "That code is taken."


@pytest.mark.parametrize(
    ("fields", "status", "expected"),
    [
        (
            {
                "C": "23503",
                "M": "insert or update violates foreign key constraint",
                "D": 'Key (region_code)=(99.99) is not present in table "regions".',
                "n": "kim_region_code_fkey",
            },
            422,
            "The referenced region_code does not exist.",
        ),
        (
            {
                "C": "23503",
                "M": "update or delete violates foreign key constraint",
                "D": 'Key (id)=(1) is still referenced from table "members".',
                "n": "members_kim_id_fkey",
            },
            409,
            "The record is still referenced by other records (members_kim_id_fkey).",
        ),
        (
            {"C": "23514", "M": "violates check constraint", "n": "kim_size_check", "t": "kim"},
            422,
            "The data breaks the rule kim_size_check in kim.",
        ),
        (
            {"C": "23502", "M": "null value", "c": "name", "t": "kim"},
            422,
            "name is required in kim.",
        ),
        (
            {"C": "22001", "M": "value too long for type character varying(3)"},
            422,
            "A text value is too long (column type character varying(3)).",
        ),
        (
            {"C": "22003", "M": 'value "99999999999" is out of range for type integer'},
            422,
            "A number is out of range for type integer.",
        ),
        (
            {"C": "22P02", "M": 'invalid input syntax for type uuid: "NIK 3502"'},
            422,
            "A value has an invalid format for type uuid.",
        ),
        ({"C": "22007", "M": 'invalid input syntax for type date: "x"'}, 422, None),
        ({"C": "40001", "M": "could not serialize access"}, 409, None),
    ],
)
def test_database_errors_map_to_client_errors(
    fields: dict[str, str], status: int, expected: str | None
) -> None:
    error = error_from_db(pg_error(**fields))
    assert error is not None
    problem = problem_from_domain_error(error)
    assert problem.status == status
    if expected is not None:
        assert problem.detail == expected
    assert "3502" not in str(problem.body())
    assert '"x"' not in str(problem.body())


def test_non_database_error_is_not_mapped() -> None:
    assert error_from_db(ValueError("boom")) is None
    assert error_from_db(pg_error(C="08006", M="connection failure")) is None


def test_client_side_data_error_is_bad_input() -> None:
    """asyncpg refuses to encode an argument (an int beyond int32) before the server sees it:
    an InterfaceError subclass, still the client's input."""
    from asyncpg.exceptions._base import DataError as ClientDataError

    error = error_from_db(ClientDataError("invalid input for query argument $1: 99999999999"))
    assert isinstance(error, Invalid)
    assert "99999999999" not in error.detail


def test_problem_extensions_and_about_blank() -> None:
    problem = Problem(422, "bad", slug="x", extensions={"errors": [{"field": "a"}]})
    assert problem.body("/p") == {
        "type": "https://kim.example/problems/x",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "bad",
        "instance": "/p",
        "errors": [{"field": "a"}],
    }
    assert Problem(503).body()["type"] == "about:blank"
    assert Problem(503).body()["title"] == "Service Unavailable"


async def test_domain_errors_are_rendered(client: httpx.AsyncClient) -> None:
    conflict = assert_problem(await client.get("/kims/4090"), 409)
    assert conflict == {
        "type": "https://kim.example/problems/kim-dissolved",
        "title": "Conflict",
        "status": 409,
        "detail": "The KIM is dissolved.",
        "instance": "/kims/4090",
    }
    invalid = assert_problem(await client.get("/kims/4220"), 422)
    assert invalid["type"] == "https://kim.example/problems/unprocessable"
    assert invalid["errors"] == [
        {"field": "body.founded_on", "message": "founded_on lies in the future."}
    ]


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (DomainError("Not allowed."), 400, "bad-request"),
        (BadRequest("Bad header."), 400, "bad-request"),
        (Unauthorized("No token.", error=None), 401, "unauthorized"),
        (Forbidden("Not your role."), 403, "forbidden"),
        (NotFound("Region 35.99 was not found."), 404, "not-found"),
        (Conflict("Taken."), 409, "conflict"),
        (StaleVersion(4, "member"), 412, "precondition-failed"),
        (PayloadTooLarge("Too big."), 413, "payload-too-large"),
        (Invalid("Bad value."), 422, "unprocessable"),
        (VersionRequired("Send If-Match."), 428, "precondition-required"),
        (AuthUnavailable("IdP down."), 503, "service-unavailable"),
    ],
)
def test_one_error_family_renders_every_status(error: DomainError, status: int, slug: str) -> None:
    """Auth errors are members of the family: the same 404 renders the same type wherever it
    is raised (kit, auth or a service)."""
    problem = problem_from_domain_error(error)
    assert (problem.status, problem.type) == (status, f"https://kim.example/problems/{slug}")
    assert problem.detail == error.detail
    assert "errors" not in problem.body()
    expected_headers = {412: {"ETag": '"4"'}, 401: {"WWW-Authenticate": 'Bearer realm="kim"'}}
    assert problem.headers == expected_headers.get(status, {})


def test_invalid_lists_every_issue() -> None:
    error = Invalid.of(
        "The period is not valid",
        [
            Issue("ends_on", "before starts_on"),
            Issue("bands", "empty"),
            Issue("a", "b"),
            Issue("c", "d"),
        ],
    )
    body = problem_from_domain_error(error).body()
    assert body["detail"] == (
        "The period is not valid: ends_on: before starts_on; bands: empty; a: b (and 1 more)"
    )
    assert [e["field"] for e in body["errors"]] == ["ends_on", "bands", "a", "c"]
