"""``Idempotency-Key`` for POST commands, stored in the business transaction.

Routes use :func:`kim_shared.http.command.command`, which wraps
:func:`idempotent`: the stored answer is written in the same transaction as the
effect, so a crash never keeps one without the other, and an exception rolls
both back.

Two kinds of answer are stored, and neither holds personal data (UU PDP):

* a **created resource** (:meth:`IdempotencySlot.created`): only its id, the
  status and headers. A replay renders the resource again, as the caller sees
  it now (a new member's NIK and phone are never kept in this table);
* a **result** without personal data (:meth:`IdempotencySlot.respond`: an
  import summary, ranked results): the whole body, replayed as it was.

Semantics (draft-ietf-httpapi-idempotency-key-header, as Stripe): same key and
same body → the stored answer again with ``Idempotent-Replayed: true``; same
key, different body → 422; the same key still in flight (another transaction
holds it) → 409 with ``Retry-After``; an empty key, one over 255 characters or
with characters outside printable ASCII → 400. No key → the block just runs in
a transaction. Only successful answers are stored: a handler that raises
stores nothing, so the client may retry with the same key. Keys are kept 24
hours (``DEFAULT_TTL``); older rows are ignored and
:func:`purge_idempotency_keys` deletes them. In-flight detection uses a
transaction-scoped advisory lock on a 64-bit hash of (scope, key): taken
without waiting, released by commit/rollback.
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

from fastapi import Header
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from kim_shared.db.pool import Connection
from kim_shared.errors import BadRequest, Conflict, Invalid

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
DEFAULT_TTL = timedelta(hours=24)
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")

#: FastAPI parameter type: ``key: IdempotencyKey = None`` reads the header.
#: The constraints are documented (``json_schema_extra``), not enforced by FastAPI:
#: :func:`validate_key` checks them and answers 400, never FastAPI's 422.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="A unique key (a UUID) per intended request: a retry with the same key "
        "and body gets the first answer again instead of a second effect (kept 24 hours). "
        "A malformed key is a 400.",
        json_schema_extra={
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$",
        },
    ),
]

Body = BaseModel | bytes | str | Mapping[str, Any] | list[Any] | None


def validate_key(key: str | None) -> str | None:
    """The key itself, None when absent; :class:`BadRequest` when malformed."""
    if key is None:
        return None
    slug = "invalid-idempotency-key"
    if not key.strip():
        raise BadRequest(f"The {HEADER} header is empty.", slug=slug)
    if len(key) > MAX_KEY_LENGTH:
        raise BadRequest(
            f"The {HEADER} header is {len(key)} characters long; at most {MAX_KEY_LENGTH} "
            "are allowed (a UUID is a good key).",
            slug=slug,
        )
    if not _PRINTABLE.match(key):
        raise BadRequest(
            f"The {HEADER} header may contain only printable ASCII characters.", slug=slug
        )
    return key


def idempotency_scope(subject: str, method: str, path: str) -> str:
    """Keys are unique per caller and endpoint: ``"<subject> POST /kim"``."""
    return f"{subject} {method.upper()} {path}"


def request_fingerprint(body: Body) -> str:
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
class StoredAnswer:
    """What was answered the first time: a result body, or the id of a created resource."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    resource_id: str | None = None

    def to_response(self, *, replayed: bool, body: Any = None) -> Response:
        headers = dict(self.headers)
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        content = self.body if body is None else body
        if self.status == 204 or content is None:
            return Response(status_code=self.status, headers=headers)
        return JSONResponse(content, status_code=self.status, headers=headers)


def _json(body: Any) -> Any:
    return body.model_dump(mode="json") if isinstance(body, BaseModel) else body


class IdempotencySlot:
    """What a command sees inside :func:`idempotent`.

    ``replay`` is the whole first answer of a *result* command; ``existing`` is
    the id of the resource a *create* command made the first time (render it
    again and answer with :meth:`created`).
    """

    def __init__(self, key: str | None, stored: StoredAnswer | None = None) -> None:
        self.key = key
        self.stored = stored
        self.replay: Response | None = None
        self.existing: str | None = None
        if stored is not None and stored.resource_id is not None:
            self.existing = stored.resource_id
        elif stored is not None:
            self.replay = stored.to_response(replayed=True)
        self._new: StoredAnswer | None = None

    def respond(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
        """Answer with a result and store it whole: ``body`` must hold no personal data."""
        if self.stored is not None:
            raise RuntimeError("this request is a replay: return slot.replay, do not store")
        self._new = StoredAnswer(status, _json(body), dict(headers or {}))
        return self._new.to_response(replayed=False)

    def created(
        self,
        resource_id: object,
        body: Any,
        headers: Mapping[str, str] | None = None,
        *,
        status: int = 201,
    ) -> Response:
        """Answer with a created resource; only its id, status and headers are stored.

        On a replay (``existing`` was set) this answers the stored status and
        headers with ``body`` (the resource rendered now) and stores nothing.
        """
        content = _json(body)
        if self.stored is not None:
            if self.stored.resource_id != str(resource_id):
                raise RuntimeError("a replay must render the resource it created the first time")
            return self.stored.to_response(replayed=True, body=content)
        self._new = StoredAnswer(status, None, dict(headers or {}), str(resource_id))
        return self._new.to_response(replayed=False, body=content)


async def _claim(
    conn: Connection, scope: str, key: str, fingerprint: str, ttl: timedelta
) -> StoredAnswer | None:
    locked = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))",
        scope,
        key,
    )
    if not locked:
        raise Conflict(
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
        " response_headers::text AS headers, resource_id"
        " FROM idempotency_keys WHERE scope = $1 AND key = $2",
        scope,
        key,
    )
    if row is None:
        return None
    if row["fingerprint"] != fingerprint:
        raise Invalid(
            f"This {HEADER} was already used for a request with a different body. "
            "Use a new key for a new request.",
            slug="idempotency-key-reused",
        )
    body = json.loads(row["body"]) if row["body"] is not None else None
    return StoredAnswer(
        row["response_status"], body, json.loads(row["headers"]), row["resource_id"]
    )


async def _save(
    conn: Connection, scope: str, key: str, fingerprint: str, answer: StoredAnswer
) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, response_status, response_body,"
        " response_headers, resource_id) VALUES ($1, $2, $3, $4, $5::text::jsonb,"
        " $6::text::jsonb, $7)",
        scope,
        key,
        fingerprint,
        answer.status,
        None if answer.body is None else json.dumps(answer.body, default=str),
        json.dumps(answer.headers),
        answer.resource_id,
    )


@asynccontextmanager
async def idempotent(
    conn: Connection,
    *,
    key: str | None,
    scope: str,
    body: Body,
    ttl: timedelta = DEFAULT_TTL,
) -> AsyncIterator[IdempotencySlot]:
    """Run the block in a transaction that also stores (or replays) its answer.

    Raises 400/409/422 errors as described in the module docstring. With a key,
    a block that ends without ``slot.respond``/``slot.created`` (and is not a
    replay) is a bug: ``RuntimeError``, and the transaction rolls back.
    """
    key = validate_key(key)
    fingerprint = request_fingerprint(body) if key is not None else ""
    async with conn.transaction():
        stored = None
        if key is not None:
            stored = await _claim(conn, scope, key, fingerprint, ttl)
        slot = IdempotencySlot(key, stored)
        yield slot
        if key is None or stored is not None:
            return
        if slot._new is None:
            raise RuntimeError(
                "idempotent(): the block ended without slot.respond() or slot.created(), "
                "so a retry with the same Idempotency-Key could not be answered"
            )
        await _save(conn, scope, key, fingerprint, slot._new)


async def purge_idempotency_keys(conn: Connection, older_than: timedelta = DEFAULT_TTL) -> int:
    """Delete keys older than ``older_than``; return how many were deleted."""
    status = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", older_than
    )
    return int(status.split()[-1])
