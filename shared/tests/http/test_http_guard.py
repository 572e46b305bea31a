"""The request guard: authenticate writes before their body is read, cap body sizes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from kim_devstack.testing import serving
from kim_shared.auth import CurrentPrincipal, OptionalPrincipal, Principal, create_token_verifier
from kim_shared.auth.mint import mint_dev_token
from kim_shared.http.app import install_http_kit
from kim_shared.http.metrics import ServiceMetrics
from kim_shared.settings import ServiceSettings

LIMIT = 4096


class Note(BaseModel):
    text: str


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(auth_dev_key_dir=str(tmp_path / "keys"), max_body_bytes=LIMIT)


@pytest.fixture
def app(settings: ServiceSettings) -> FastAPI:
    reads: list[int] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.token_verifier = create_token_verifier(settings)
        yield

    app = FastAPI(lifespan=lifespan)
    install_http_kit(app, "test", ServiceMetrics(), max_body_bytes=settings.max_body_bytes)
    app.state.body_reads = reads

    @app.post("/notes", status_code=201)
    async def create(note: Note, principal: CurrentPrincipal) -> dict[str, str]:
        reads.append(len(note.text))
        return {"by": principal.subject, "text": note.text}

    @app.post("/reports", status_code=201)
    async def report(note: Note, principal: OptionalPrincipal) -> dict[str, str | None]:
        reads.append(len(note.text))
        return {"by": principal.subject if principal else None}

    # As every service declares its routes: on an APIRouter included in the app (FastAPI
    # 0.16x keeps it as one entry of app.routes instead of copying its routes).
    router = APIRouter()

    @router.post("/kim/{kim_id}/notes", status_code=201)
    async def kim_note(kim_id: int, note: Note, principal: CurrentPrincipal) -> dict[str, str]:
        reads.append(len(note.text))
        return {"by": principal.subject}

    outer = APIRouter(prefix="/v1")
    outer.include_router(router)
    app.include_router(router)
    app.include_router(outer)
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as c:
        yield c


@pytest.fixture
def token(settings: ServiceSettings) -> str:
    principal = Principal(subject="budi", roles=frozenset({"anggota_kim"}), region_scope="35.02")
    return mint_dev_token(settings, principal)


async def chunks(size: int, piece: int = 1024) -> AsyncIterator[bytes]:
    yield b'{"text": "'
    sent = 0
    while sent < size:
        yield b"x" * min(piece, size - sent)
        sent += piece
    yield b'"}'


async def test_anonymous_malformed_write_is_401_not_422(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    r = await client.post(
        "/notes", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="kim"'
    assert r.json()["type"].endswith("/unauthorized")
    assert app.state.body_reads == []


async def test_a_forged_token_is_401_before_the_body(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/notes",
        content=b"not json at all",
        headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30.", "content-type": "text/plain"},
    )
    assert r.status_code == 401
    assert "invalid_token" in r.headers["WWW-Authenticate"]
    basic = await client.post("/notes", json={"text": "a"}, headers={"Authorization": "Basic eA=="})
    assert basic.status_code == 401


async def test_a_valid_token_gets_the_validation_error(
    client: httpx.AsyncClient, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    assert (await client.post("/notes", content=b'{"text": ', headers=headers)).status_code == 422
    r = await client.post(
        "/notes", json={"text": "halo"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (r.status_code, r.json()) == (201, {"by": "budi", "text": "halo"})


async def test_anonymous_writes_pass_where_the_route_allows_them(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/reports", json={"text": "hoaks"})
    assert (r.status_code, r.json()) == (201, {"by": None})


async def test_a_declared_oversize_body_is_413_unread(
    client: httpx.AsyncClient, app: FastAPI, token: str
) -> None:
    r = await client.post(
        "/notes",
        json={"text": "x" * (LIMIT + 1)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/payload-too-large")
    assert f"at most {LIMIT} bytes" in r.json()["detail"]
    anonymous = await client.post("/reports", content=b"x" * 30_000_000)
    assert anonymous.status_code == 413
    assert app.state.body_reads == []


async def test_a_streamed_body_is_cut_at_the_limit(
    client: httpx.AsyncClient, app: FastAPI, token: str
) -> None:
    """No Content-Length (chunked): the guard counts while reading and stops at the limit."""
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    r = await client.post("/notes", content=chunks(LIMIT * 10), headers=headers)
    assert r.status_code == 413
    small = await client.post("/notes", content=chunks(100), headers=headers)
    assert small.status_code == 201, small.text
    assert app.state.body_reads == [100]


@pytest.mark.parametrize("path", ["/kim/7/notes", "/v1/kim/7/notes"])
async def test_routes_of_included_routers_are_guarded_too(
    app: FastAPI, client: httpx.AsyncClient, token: str, path: str
) -> None:
    json = {"Content-Type": "application/json"}
    malformed = await client.post(path, content=b"{not json", headers=json)
    assert malformed.status_code == 401, malformed.text
    assert app.state.body_reads == []
    ok = await client.post(path, json={"text": "hi"}, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 201, ok.text
    assert app.state.body_reads == [2]
