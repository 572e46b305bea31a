"""One place that runs a command: connection, transaction, Idempotency-Key, answer.

Every write route does the same thing: take a connection, open the
transaction, claim the ``Idempotency-Key`` (or find the first answer), run
the handler, store the answer and commit *before* the response leaves, so the
stored answer and the effect can never disagree::

    async with command(pool, request, principal, key, body) as cmd:
        kim_id = cmd.existing or (await handlers.form_kim(cmd.conn, ...)).id
        kim = await handlers.load_kim(cmd.conn, kim_id)
        return cmd.created(kim.id, view(kim), headers={"Location": f"/kim/{kim.id}"})

A command whose answer is a result rather than a created resource returns
``cmd.replay`` when it is set and answers with ``cmd.respond(status, body)``.
Keys are scoped to the caller and the request path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from kim_shared.auth import Principal
from kim_shared.db.pool import Connection
from kim_shared.http.idempotency import Body, IdempotencySlot, idempotency_scope, idempotent


@dataclass(frozen=True)
class Command:
    """The connection (inside the transaction) and the idempotency slot of one command."""

    conn: Connection
    slot: IdempotencySlot

    @property
    def replay(self) -> Response | None:
        """The stored answer of a result command repeated with the same key."""
        return self.slot.replay

    @property
    def existing(self) -> str | None:
        """The id of the resource a create command made the first time (a repeat)."""
        return self.slot.existing

    def respond(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        """Answer with a result, stored whole for replays: no personal data in ``body``."""
        return self.slot.respond(status, body, headers)

    def created(
        self, resource_id: object, body: Any, headers: dict[str, str] | None = None
    ) -> Response:
        """Answer 201 with a created resource; replays render it again (nothing personal kept)."""
        return self.slot.created(resource_id, body, headers)


@asynccontextmanager
async def command(
    pool: asyncpg.Pool, request: Request, principal: Principal, key: str | None, body: Body
) -> AsyncIterator[Command]:
    """Run a command in one transaction with its Idempotency-Key (see the module docstring)."""
    scope = idempotency_scope(principal.subject, request.method, request.url.path)
    async with pool.acquire() as conn, idempotent(conn, key=key, scope=scope, body=body) as slot:
        yield Command(conn, slot)
