"""Idempotency-Key against a real PostgreSQL: replay, misuse, concurrency, atomicity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import Response

from kim_shared.db import apply_migrations, create_pool
from kim_shared.errors import BadRequest, Conflict, DomainError, Invalid
from kim_shared.http.idempotency import (
    IdempotencyKey,
    idempotency_scope,
    idempotent,
    purge_idempotency_keys,
    validate_key,
)
from kim_shared.http.problems import PROBLEM_JSON, install_problem_handlers

SCOPE = idempotency_scope("user-1", "POST", "/kims")


class KimIn(BaseModel):
    name: str
    desa: str = "35.02.01.2001"


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[asyncpg.Pool]:
    conn = await asyncpg.connect(fresh_db)
    try:
        await apply_migrations(conn, "test", None)
        await conn.execute("CREATE TABLE kims (id serial PRIMARY KEY, name text NOT NULL UNIQUE)")
    finally:
        await conn.close()
    pool = await create_pool(fresh_db, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def create_kim(
    pool: asyncpg.Pool, key: str | None, body: KimIn, *, scope: str = SCOPE
) -> Response:
    """What a create route does (the module docstring's pattern)."""
    async with pool.acquire() as conn, idempotent(conn, key=key, scope=scope, body=body) as slot:
        if slot.replay is not None:
            return slot.replay
        kim_id = await conn.fetchval("INSERT INTO kims (name) VALUES ($1) RETURNING id", body.name)
        return slot.respond(
            201, {"id": kim_id, "name": body.name}, headers={"Location": f"/kims/{kim_id}"}
        )


async def count(pool: asyncpg.Pool, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


async def test_same_key_and_body_replays_the_first_response(pool: asyncpg.Pool) -> None:
    first = await create_kim(pool, "k-1", KimIn(name="KIM Sukorejo"))
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = await create_kim(
        pool, "k-1", KimIn.model_validate({"desa": "35.02.01.2001", "name": "KIM Sukorejo"})
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.body == first.body
    assert await count(pool, "kims") == 1
    assert await count(pool, "idempotency_keys") == 1


async def test_same_key_with_another_body_is_422(pool: asyncpg.Pool) -> None:
    await create_kim(pool, "k-2", KimIn(name="KIM Babadan"))
    with pytest.raises(Invalid) as raised:
        await create_kim(pool, "k-2", KimIn(name="KIM Jetis"))
    assert raised.value.slug == "idempotency-key-reused"
    assert await pool.fetchval("SELECT array_agg(name) FROM kims") == ["KIM Babadan"]


async def test_keys_are_scoped_per_caller_and_endpoint(pool: asyncpg.Pool) -> None:
    await create_kim(pool, "shared-key", KimIn(name="A"))
    other = idempotency_scope("user-2", "POST", "/kims")
    second = await create_kim(pool, "shared-key", KimIn(name="B"), scope=other)
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert await count(pool, "kims") == 2


async def test_concurrent_duplicate_in_flight_is_409(pool: asyncpg.Pool) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_create() -> Response:
        async with (
            pool.acquire() as conn,
            idempotent(conn, key="k-3", scope=SCOPE, body=KimIn(name="KIM Slow")) as slot,
        ):
            await conn.execute("INSERT INTO kims (name) VALUES ('KIM Slow')")
            entered.set()
            await release.wait()
            return slot.respond(201, {"name": "KIM Slow"})

    first = asyncio.create_task(slow_create())
    await asyncio.wait_for(entered.wait(), 10)
    with pytest.raises(Conflict) as raised:
        await asyncio.wait_for(create_kim(pool, "k-3", KimIn(name="KIM Slow")), 5)
    assert raised.value.slug == "idempotency-key-in-use"
    assert raised.value.headers()["Retry-After"] == "1"
    # another key is not held up by the one in flight
    assert (
        await asyncio.wait_for(create_kim(pool, "k-4", KimIn(name="KIM Fast")), 5)
    ).status_code == 201
    release.set()
    assert (await first).status_code == 201
    replay = await create_kim(pool, "k-3", KimIn(name="KIM Slow"))
    assert replay.headers["idempotent-replayed"] == "true"
    assert await count(pool, "kims") == 2


async def test_effect_and_stored_response_roll_back_together(pool: asyncpg.Pool) -> None:
    class Boom(Exception):
        pass

    async def failing_create() -> None:
        async with (
            pool.acquire() as conn,
            idempotent(conn, key="k-5", scope=SCOPE, body=KimIn(name="KIM Gagal")) as slot,
        ):
            await conn.execute("INSERT INTO kims (name) VALUES ('KIM Gagal')")
            slot.respond(201, {"name": "KIM Gagal"})
            raise Boom

    with pytest.raises(Boom):
        await failing_create()
    assert await count(pool, "kims") == 0
    assert await count(pool, "idempotency_keys") == 0
    retry = await create_kim(pool, "k-5", KimIn(name="KIM Gagal"))
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert await count(pool, "kims") == 1


async def test_block_that_forgets_to_store_rolls_back(pool: asyncpg.Pool) -> None:
    with pytest.raises(RuntimeError, match=r"slot\.respond\(\)"):
        async with pool.acquire() as conn, idempotent(conn, key="k-6", scope=SCOPE, body=b"{}"):
            await conn.execute("INSERT INTO kims (name) VALUES ('KIM Lupa')")
    assert await count(pool, "kims") == 0


async def test_without_a_key_nothing_is_stored(pool: asyncpg.Pool) -> None:
    assert (await create_kim(pool, None, KimIn(name="KIM A"))).status_code == 201
    assert await count(pool, "idempotency_keys") == 0


async def test_expired_keys_are_ignored_and_purged(pool: asyncpg.Pool) -> None:
    await create_kim(pool, "k-7", KimIn(name="KIM Lama"))
    await create_kim(pool, "k-8", KimIn(name="KIM Baru"))
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-7'"
    )
    reused = await create_kim(pool, "k-7", KimIn(name="KIM Lain"))  # old row ignored
    assert reused.status_code == 201
    assert "idempotent-replayed" not in reused.headers
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-8'"
    )
    async with pool.acquire() as conn:
        assert await purge_idempotency_keys(conn) == 1
        assert await purge_idempotency_keys(conn, older_than=timedelta(0)) == 1
    assert await count(pool, "idempotency_keys") == 0


@pytest.mark.parametrize(
    ("key", "ok"),
    [("a" * 255, True), ("a" * 256, False), ("", False), ("  ", False), ("kunci-ñ", False)],
)
def test_key_validation(key: str, ok: bool) -> None:
    if ok:
        assert validate_key(key) == key
    else:
        with pytest.raises(BadRequest) as raised:
            validate_key(key)
        assert isinstance(raised.value, DomainError)
        assert raised.value.status == 400


def make_app(pool: asyncpg.Pool) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/kims", status_code=201)
    async def create(body: KimIn, request: Request, key: IdempotencyKey = None) -> Response:
        scope = idempotency_scope("user-1", request.method, request.url.path)
        async with (
            pool.acquire() as conn,
            idempotent(conn, key=key, scope=scope, body=body) as slot,
        ):
            if slot.replay is not None:
                return slot.replay
            kim_id = await conn.fetchval(
                "INSERT INTO kims (name) VALUES ($1) RETURNING id", body.name
            )
            return slot.respond(201, {"id": kim_id, "name": body.name})

    return app


async def test_through_http(pool: asyncpg.Pool) -> None:
    transport = httpx.ASGITransport(app=make_app(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        first = await client.post(
            "/kims", json={"name": "KIM X"}, headers={"Idempotency-Key": "h1"}
        )
        replay = await client.post(
            "/kims", json={"name": "KIM X"}, headers={"Idempotency-Key": "h1"}
        )
        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.json() == first.json()
        assert replay.headers["idempotent-replayed"] == "true"

        reused = await client.post(
            "/kims", json={"name": "KIM Y"}, headers={"Idempotency-Key": "h1"}
        )
        assert reused.status_code == 422
        assert reused.headers["content-type"] == PROBLEM_JSON

        too_long = await client.post(
            "/kims", json={"name": "Z"}, headers={"Idempotency-Key": "k" * 256}
        )
        assert too_long.status_code == 400

        # a real unique violation: 409 problem, and no key stored for the failed attempt
        duplicate = await client.post(
            "/kims", json={"name": "KIM X"}, headers={"Idempotency-Key": "h2"}
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["detail"] == "A record with the same name already exists in kims."
    assert await pool.fetchval("SELECT array_agg(key ORDER BY key) FROM idempotency_keys") == ["h1"]


async def created_member(pool: asyncpg.Pool, key: str, name: str, nik: str) -> Response:
    """A create command whose answer holds personal data: only the resource id is stored."""
    body = {"name": name, "nik": nik}
    scope = idempotency_scope("user-1", "POST", "/people")
    async with pool.acquire() as conn, idempotent(conn, key=key, scope=scope, body=body) as slot:
        if slot.existing is None:
            person_id = await conn.fetchval(
                "INSERT INTO kims (name) VALUES ($1) RETURNING id", f"{name} {nik}"
            )
        else:
            person_id = int(slot.existing)
        current = await conn.fetchval("SELECT name FROM kims WHERE id = $1", person_id)
        return slot.created(
            person_id, {"id": person_id, "shown": current}, {"Location": f"/people/{person_id}"}
        )


async def test_a_created_resource_is_stored_by_id_and_rendered_again(pool: asyncpg.Pool) -> None:
    """No NIK in idempotency_keys: the replay renders the resource as it is now."""
    nik = "3502014101900001"
    first = await created_member(pool, "p-1", "Siti", nik)
    assert first.status_code == 201
    stored = await pool.fetchrow("SELECT * FROM idempotency_keys WHERE key = 'p-1'")
    assert stored is not None
    assert nik not in str(dict(stored))
    assert stored["response_body"] is None
    await pool.execute("UPDATE kims SET name = 'Siti (diperbarui)'")
    again = await created_member(pool, "p-1", "Siti", nik)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.body == (
        b'{"id":' + str(stored["resource_id"]).encode() + b',"shown":"Siti (diperbarui)"}'
    )
    assert await count(pool, "kims") == 1
