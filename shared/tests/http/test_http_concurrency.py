"""Optimistic concurrency: ETag formatting, If-Match parsing, 428/412 answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel

from kim_shared.errors import StaleVersion, VersionRequired, ensure_version
from kim_shared.http.concurrency import (
    IfMatchOptional,
    IfMatchRequired,
    etag,
    parse_if_match,
    require_if_match,
    with_etag,
)
from kim_shared.http.problems import PROBLEM_JSON, install_problem_handlers

CURRENT = 3


class Kim(BaseModel):
    name: str
    version: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.put("/kim")
    async def put_kim(kim: Kim, expected: IfMatchRequired) -> Response:
        ensure_version(CURRENT, expected, "KIM")
        return with_etag(Kim(name=kim.name, version=CURRENT + 1), CURRENT + 1)

    @app.post("/kim/finalize")
    async def finalize(expected: IfMatchOptional) -> dict[str, bool]:
        ensure_version(CURRENT, expected, "period")
        return {"done": True}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def test_etag_quotes_the_version() -> None:
    assert etag(0) == '"0"'
    assert etag(12) == '"12"'


def test_if_match_parsing() -> None:
    assert parse_if_match(None) is None
    assert parse_if_match('"3"') == frozenset({3})
    assert parse_if_match('W/"3", "4"') == frozenset({3, 4})
    assert parse_if_match(' W/ "5" ') == frozenset({5})
    assert parse_if_match("3") == frozenset()  # unquoted: names no version (412)
    assert parse_if_match("") == frozenset()
    assert parse_if_match('"v7"') == frozenset()
    with pytest.raises(VersionRequired, match=r"If-Match: \* is not accepted"):
        parse_if_match("*")
    with pytest.raises(VersionRequired):
        parse_if_match('"3", *')
    with pytest.raises(VersionRequired, match="needs an If-Match header"):
        require_if_match(None)
    assert require_if_match('"0"') == frozenset({0})


def test_version_checks() -> None:
    ensure_version(2, frozenset({1, 2}), "KIM")
    ensure_version(2, None, "KIM")  # no precondition given
    with pytest.raises(StaleVersion) as caught:
        ensure_version(2, frozenset({1}), "KIM")
    assert caught.value.current_version == 2
    assert caught.value.detail.startswith("The KIM was changed since you read it")
    assert 'ETag "2"' in caught.value.detail


KIM = {"name": "KIM Tugu", "version": 0}


async def test_update_answers(client: httpx.AsyncClient) -> None:
    ok = await client.put("/kim", json=KIM, headers={"If-Match": f'"{CURRENT}"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == f'"{CURRENT + 1}"'
    assert ok.json() == {"name": "KIM Tugu", "version": CURRENT + 1}

    missing = await client.put("/kim", json=KIM)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == PROBLEM_JSON
    body = missing.json()
    assert body["type"] == "https://kim.example/problems/precondition-required"
    assert "If-Match" in body["detail"]

    star = await client.put("/kim", json=KIM, headers={"If-Match": "*"})
    assert star.status_code == 428
    assert "not accepted" in star.json()["detail"]

    stale = await client.put("/kim", json=KIM, headers={"If-Match": '"2"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == f'"{CURRENT}"'
    assert stale.json()["type"] == "https://kim.example/problems/precondition-failed"
    assert stale.json()["detail"].startswith("The KIM was changed since you read it")


async def test_optional_if_match(client: httpx.AsyncClient) -> None:
    assert (await client.post("/kim/finalize")).status_code == 200
    assert (await client.post("/kim/finalize", headers={"If-Match": '"3"'})).status_code == 200
    stale = await client.post("/kim/finalize", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"3"'
    assert "The period was changed" in stale.json()["detail"]


async def test_a_missing_required_if_match_is_a_428_even_with_an_invalid_body(
    client: httpx.AsyncClient,
) -> None:
    """The header is read by a dependency, so FastAPI never turns its absence into a 422."""
    missing = await client.put("/kim", json={"name": 5})
    assert missing.status_code == 428, missing.text
    assert missing.json()["type"] == "https://kim.example/problems/precondition-required"
