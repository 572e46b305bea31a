"""Listing helpers of the content tests: a stand-in for marketplace publishing
``ListingSubmitted`` and a reader of the decisions content publishes on
``kim.content.moderation.v1``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from kim_devstack.testing import eventually, publish_events
from kim_shared.events.envelope import CloudEvent
from kim_shared.events.topics import CONTENT_MODERATION
from kim_shared.events.types.marketplace import ListingSubmitted
from kim_shared.service import Runtime

from .support import TUGUREJO

#: What a moderation decision may carry: ids, codes and times, never a seller's name, a
#: phone number or the listing's text.
DECISION_FIELDS = {
    "subject_type",
    "subject_id",
    "subject_revision",
    "kabupaten_code",
    "decision",
    "reason_code",
    "automatic",
    "decided_at",
}


class Decisions:
    """Reads ``kim.content.moderation.v1`` from the end offsets taken when created."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.start: dict[TopicPartition, int] = {}

    async def mark(self) -> Decisions:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = [TopicPartition(CONTENT_MODERATION.name, p) for p in _partitions()]
            self.start = await consumer.end_offsets(tps)
        finally:
            await consumer.stop()
        return self

    async def of(
        self, subject_id: uuid.UUID, *, count: int = 1, within_s: float = 30.0
    ) -> list[CloudEvent]:
        """The first ``count`` decisions about ``subject_id`` published since :meth:`mark`."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        found: list[CloudEvent] = []
        try:
            consumer.assign(list(self.start))
            for tp, offset in self.start.items():
                consumer.seek(tp, offset)
            deadline = asyncio.get_running_loop().time() + within_s
            while len(found) < count:
                left = deadline - asyncio.get_running_loop().time()
                assert left > 0, f"{len(found)} of {count} decisions about {subject_id} seen"
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        ce = CloudEvent.from_bytes(record.value)
                        if ce.subject == str(subject_id):
                            found.append(ce)
        finally:
            await consumer.stop()
        return found


def _partitions() -> range:
    return range(CONTENT_MODERATION.partitions)


def listing(
    *,
    title: str = "Keripik tempe renyah khas Ponorogo",
    description: str = "Keripik tempe buatan ibu-ibu PKK Desa Tugurejo, gurih dan renyah. "
    "Kemasan 250 gram.",
    photo_urls: list[str] | None = None,
    village: str = TUGUREJO,
    listing_id: uuid.UUID | None = None,
    revision: int = 1,
) -> ListingSubmitted:
    parts = village.split(".")
    return ListingSubmitted(
        listing_id=listing_id or uuid.uuid4(),
        revision=revision,
        seller_id=uuid.uuid4(),
        kim_id=None,
        village_code=village,
        kabupaten_code=".".join(parts[:2]),
        title=title,
        description=description,
        photo_urls=["https://pasar.ponorogo.go.id/foto/keripik.jpg"]
        if photo_urls is None
        else photo_urls,
        price_rupiah=15000,
        submitted_at=datetime.now(UTC),
    )


async def submit_listings(bootstrap: str, *events: ListingSubmitted) -> None:
    await publish_events(bootstrap, "marketplace", events)


async def screened(runtime: Runtime, listing_id: uuid.UUID, revision: int = 1) -> dict[str, Any]:
    """The listing's row once content has screened ``revision``."""
    row: dict[str, Any] = {}

    async def done() -> bool:
        async with runtime.pool.acquire() as conn:
            found = await conn.fetchrow(
                "SELECT * FROM listings_under_review WHERE listing_id = $1", listing_id
            )
        if found is None or found["revision"] != revision or found["screening_id"] is None:
            return False
        row.update(dict(found))
        return True

    await eventually(done, what=f"listing {listing_id} revision {revision} screened")
    return row


def assert_no_personal_data(ce: CloudEvent) -> None:
    assert set(ce.data) <= DECISION_FIELDS, ce.data
    assert ce.source == "/kim/content"
    assert ce.type == "kim.content.moderation.decided.v1"
