"""``GET /dead-letters``: the dead letters of the topics this service consumes, for staff.

Every service mounts it (:func:`kim_shared.service.build_app`), so the portal and other
tools see dead letters through the services' APIs, with the caller's token, and never
need access to Kafka themselves. A service lists what *its own* consumer groups
dead-lettered: the ``<topic>.dlq`` of each topic they read, keeping the letters whose
``kim-dlq-consumer`` header names one of its groups (another service's consumer of the
same topic answers for its own letters). Whether a letter was replayed comes from the
markers ``kim dlq replay`` writes (:mod:`kim_shared.dlq.service`).

Shown: where the letter came from, which group failed, the error, the event's type, id
and kabupaten, when, and whether it is pending or replayed. Never the record's value (it
may carry anything), and pydantic's ``input_value=…`` echoes are cut from the error.
Tenancy: a letter whose event names a kabupaten is shown only to staff of that region;
one that names none (bytes that are no event at all) to every staff member.

Bounded, so that a large backlog cannot hang a request: at most ``limit`` letters (the
newest first), read from the last ``limit`` records of each partition and within a time
budget; ``truncated`` says when older letters may exist that the answer does not hold.
The replay markers are read whole (half the budget at most: without them pending and
replayed cannot be told apart); when they, or the broker itself, do not answer in time the
answer is a 503 problem.
Replaying stays with ``kim dlq replay`` (an operator with broker access).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Literal

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from kim_shared.auth import ADMIN_PROVINSI, OPERATOR_KABUPATEN, Principal, require_roles
from kim_shared.dlq.service import DeadLetter, recent_dead_letters
from kim_shared.errors import Unavailable

STAFF_ROLES = (ADMIN_PROVINSI, OPERATOR_KABUPATEN)
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
DEFAULT_BUDGET_S = 5.0
CONNECT_GRACE_S = 5.0
"""Beyond the budget, how long reaching the broker at all may take before a 503."""

_ECHOED_INPUT = re.compile(r"input_value=.*?, input_type=", re.DOTALL)

Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]


class DeadLetterView(BaseModel):
    """One dead letter: where it came from and why it failed (never its value)."""

    model_config = ConfigDict(frozen=True)

    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    origin_topic: str
    origin_partition: int = Field(description="-1 when the dead letter does not say.")
    origin_offset: int = Field(description="-1 when the dead letter does not say.")
    consumer: str = Field(description="The consumer group that dead-lettered the record.")
    error_type: str
    error: str
    event_type: str | None = Field(description="None when the record is no CloudEvent.")
    event_id: str | None
    kabupaten: str | None = Field(description="The event's tenant, when it names one.")
    failed_at: datetime
    status: Literal["pending", "replayed"]


class DeadLetterPage(BaseModel):
    """The newest dead letters of one service's consumers."""

    model_config = ConfigDict(frozen=True)

    service: str
    topics: list[str] = Field(description="The dead-letter topics that were read.")
    items: list[DeadLetterView] = Field(description="Newest first.")
    truncated: bool = Field(
        description="Older dead letters may exist that are not listed: the limit was "
        "reached, or the time budget ran out."
    )


def _failed_at(d: DeadLetter) -> datetime:
    try:
        when = datetime.fromisoformat(d.failed_at)
    except ValueError:
        return datetime.fromtimestamp(d.record.timestamp_ms / 1000, UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def view(d: DeadLetter) -> DeadLetterView:
    return DeadLetterView(
        dlq_topic=d.dlq_topic,
        dlq_partition=d.partition,
        dlq_offset=d.offset,
        origin_topic=d.origin_topic,
        origin_partition=d.origin_partition,
        origin_offset=d.origin_offset,
        consumer=d.consumer,
        error_type=d.error_type,
        error=_ECHOED_INPUT.sub("input_value=…, input_type=", d.error),
        event_type=d.event_type,
        event_id=d.event_id,
        kabupaten=d.kabupaten,
        failed_at=_failed_at(d),
        status="replayed" if d.replayed else "pending",
    )


def _visible(principal: Principal, d: DeadLetter) -> bool:
    return d.kabupaten is None or principal.acts_in(d.kabupaten, *STAFF_ROLES)


def dead_letters_router(
    service: str,
    bootstrap: str,
    consumers: Mapping[str, Iterable[str]],
    *,
    budget_s: float = DEFAULT_BUDGET_S,
) -> APIRouter:
    """The router of ``service``, whose consumer groups read ``consumers`` (group → topics)."""
    groups = frozenset(consumers)
    dlq_topics = sorted({f"{t}.dlq" for topics in consumers.values() for t in topics})
    router = APIRouter(tags=["operations"])

    @router.get(
        "/dead-letters",
        response_model=DeadLetterPage,
        summary="Dead letters of this service's consumers",
        responses={503: {"description": "Kafka could not be read in time; retry later."}},
    )
    async def list_dead_letters(
        principal: Staff,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        pending: Annotated[
            bool | None, Query(description="true: only pending; false: only replayed.")
        ] = None,
    ) -> DeadLetterPage:
        """Staff (admin_provinsi, operator_kabupaten): the newest dead letters first, with
        their origin, consumer group, error, event type and id, and whether they were
        replayed (`kim dlq replay`); never the record's value."""
        if not dlq_topics:  # a service without consumers dead-letters nothing
            return DeadLetterPage(service=service, topics=[], items=[], truncated=False)
        try:
            found = await asyncio.wait_for(
                recent_dead_letters(bootstrap, dlq_topics, per_partition=limit, within_s=budget_s),
                budget_s + CONNECT_GRACE_S,
            )
        except (TimeoutError, OSError, KafkaError) as exc:
            raise Unavailable(
                "The dead-letter topics could not be read: Kafka did not answer in time."
            ) from exc
        chosen = [
            d
            for d in found.letters
            if d.consumer in groups
            and _visible(principal, d)
            and (pending is None or pending is not d.replayed)
        ]
        return DeadLetterPage(
            service=service,
            topics=dlq_topics,
            items=[view(d) for d in chosen[:limit]],
            truncated=not found.complete or len(chosen) > limit,
        )

    return router
