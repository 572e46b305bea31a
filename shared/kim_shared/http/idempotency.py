"""``Idempotency-Key`` for POST creates, stored in the business transaction.

A route wraps its transaction in :func:`idempotent`; the stored response is
written in the same transaction as the effect, so a crash never keeps one
without the other, and an exception rolls both back::

    scope = idempotency_scope(user.subject, request.method, request.url.path)
    async with pool.acquire() as conn, idempotent(conn, key=key, scope=scope, body=payload) as slot:
        if slot.replay is not None:
            return slot.replay  # the first answer again, with Idempotent-Replayed: true
        kim = await handlers.form_kim(conn, payload)
        return slot.respond(201, kim.model_dump(mode="json"), headers={"Location": kim.url})

Semantics (draft-ietf-httpapi-idempotency-key-header, as Stripe): same key and
same body → the stored status, body and headers again; same key, different body
→ 422; the same key still in flight (another transaction holds it) → 409 with
``Retry-After``; an empty key, one over 255 characters or with characters outside
printable ASCII → 400. No key → the block just runs in a transaction. Only
successful answers are stored: a handler that raises stores nothing, so the
client may retry with the same key. Keys are kept 24 hours (``DEFAULT_TTL``);
older rows are ignored and :func:`purge_idempotency_keys` deletes them.

The route reads the header with a ``key: IdempotencyKey = None`` parameter. A
replayed body is the same JSON value (``jsonb`` may reorder object members).
In-flight detection uses a transaction-scoped advisory lock on a 64-bit hash
of (scope, key): taken without waiting, released by commit/rollback.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from fastapi import Header
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from kim_shared.http.problems import Problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
DEFAULT_TTL = timedelta(hours=24)
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")

#: FastAPI parameter type: ``key: IdempotencyKey = None`` reads the header.
IdempotencyKey = Annotated[str | None, Header(alias=HEADER)]

Connection = asyncpg.Connection | PoolConnectionProxy


def validate_key(key: str | None) -> str | None:
    """The key itself, None when absent; :class:`Problem` 400 when malformed."""
    if key is None:
        return None
    if not key.strip():
        raise Problem(400, f"The {HEADER} header is empty.", slug="invalid-idempotency-key")
    if len(key) > MAX_KEY_LENGTH:
        raise Problem(
            400,
            f"The {HEADER} header is {len(key)} characters long; at most {MAX_KEY_LENGTH} "
            "are allowed (a UUID is a good key).",
            slug="invalid-idempotency-key",
        )
    if not _PRINTABLE.match(key):
        raise Problem(
            400,
            f"The {HEADER} header may contain only printable ASCII characters.",
            slug="invalid-idempotency-key",
        )
    return key


def idempotency_scope(subject: str, method: str, path: str) -> str:
    """Keys are unique per caller and endpoint: ``"<subject> POST /kims"``."""
    return f"{subject} {method.upper()} {path}"


def request_fingerprint(
    body: BaseModel | bytes | str | Mapping[str, Any] | list[Any] | None,
) -> str:
    """sha256 hex of the request body.

    A model or JSON value is hashed as canonical JSON (sorted keys, no spaces),
    so formatting differences do not count as a different request; ``bytes``
    and ``str`` are hashed as they are.
    """
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode()
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self, *, replayed: bool) -> Response:
        headers = dict(self.headers)
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        if self.status == 204 or self.body is None:
            return Response(status_code=self.status, headers=headers)
        return JSONResponse(self.body, status_code=self.status, headers=headers)


class IdempotencySlot:
    """What a route sees inside :func:`idempotent`."""

    def __init__(self, key: str | None, replayed: StoredResponse | None = None) -> None:
        self.key = key
        self.stored: StoredResponse | None = replayed
        self.replay: Response | None = (
            replayed.to_response(replayed=True) if replayed is not None else None
        )
        self._new: StoredResponse | None = None

    def store(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        """Record the answer; it is written when the block ends, before commit."""
        if self.replay is not None:
            raise RuntimeError("this request is a replay: return slot.replay, do not store")
        self._new = StoredResponse(status, body, dict(headers or {}))

    def respond(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
        """:meth:`store` the answer and return it as a JSON response."""
        self.store(status, body, headers)
        assert self._new is not None
        return self._new.to_response(replayed=False)


async def _claim(
    conn: Connection, scope: str, key: str, fingerprint: str, ttl: timedelta
) -> StoredResponse | None:
    locked = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))",
        scope,
        key,
    )
    if not locked:
        raise Problem(
            409,
            f"A request with this {HEADER} is still being processed; retry when it has "
            "finished to get its result.",
            slug="idempotency-key-in-use",
            headers={"Retry-After": "1"},
        )
    await conn.execute(
        "DELETE FROM idempotency_keys"
        " WHERE scope = $1 AND key = $2 AND created_at < now() - $3::interval",
        scope,
        key,
        ttl,
    )
    row = await conn.fetchrow(
        "SELECT fingerprint, response_status, response_body::text AS body,"
        " response_headers::text AS headers"
        " FROM idempotency_keys WHERE scope = $1 AND key = $2",
        scope,
        key,
    )
    if row is None:
        return None
    if row["fingerprint"] != fingerprint:
        raise Problem(
            422,
            f"This {HEADER} was already used for a request with a different body. "
            "Use a new key for a new request.",
            slug="idempotency-key-reused",
        )
    body = json.loads(row["body"]) if row["body"] is not None else None
    return StoredResponse(row["response_status"], body, json.loads(row["headers"]))


async def _save(
    conn: Connection, scope: str, key: str, fingerprint: str, response: StoredResponse
) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys"
        " (scope, key, fingerprint, response_status, response_body, response_headers)"
        " VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb)",
        scope,
        key,
        fingerprint,
        response.status,
        None if response.body is None else json.dumps(response.body, default=str),
        json.dumps(response.headers),
    )


@asynccontextmanager
async def idempotent(
    conn: Connection,
    *,
    key: str | None,
    scope: str,
    body: BaseModel | bytes | str | Mapping[str, Any] | list[Any] | None,
    ttl: timedelta = DEFAULT_TTL,
) -> AsyncIterator[IdempotencySlot]:
    """Run the block in a transaction that also stores (or replays) its answer.

    Raises :class:`Problem` 400/409/422 as described in the module docstring.
    With a key, a block that ends without ``slot.respond``/``slot.store`` (and is
    not a replay) is a bug: ``RuntimeError``, and the transaction rolls back.
    """
    key = validate_key(key)
    fingerprint = request_fingerprint(body) if key is not None else ""
    async with conn.transaction():
        replayed = None
        if key is not None:
            replayed = await _claim(conn, scope, key, fingerprint, ttl)
        slot = IdempotencySlot(key, replayed)
        yield slot
        if key is None or slot.replay is not None:
            return
        if slot._new is None:
            raise RuntimeError(
                "idempotent(): the block ended without slot.respond() or slot.store(), "
                "so a retry with the same Idempotency-Key could not be answered"
            )
        await _save(conn, scope, key, fingerprint, slot._new)


async def purge_idempotency_keys(conn: Connection, older_than: timedelta = DEFAULT_TTL) -> int:
    """Delete keys older than ``older_than``; return how many were deleted."""
    status = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", older_than
    )
    return int(status.split()[-1])
