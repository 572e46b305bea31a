"""The activity projection, fed through the real broker: facts land in kim_activity once,
an unknown KIM is dead-lettered, a listing without a KIM is ignored."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.testing import eventually
from kim_registry.regions.importer import ImportResult
from kim_shared.dlq import list_dead_letters
from kim_shared.events.base import Event
from kim_shared.events.envelope import CloudEvent
from kim_shared.events.types.activity import (
    ArticlePublished,
    ArticleRejected,
    HelpRequestResolved,
    ListingPublished,
    OrderCompleted,
    TrainingAttended,
)
from kim_shared.kafka import OutgoingRecord
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

CONSUMER = "registry.activity"
VILLAGE = "35.02.01.2001"  # Tugurejo, Slahung, Ponorogo


async def insert_kim(runtime: Runtime, village: str = VILLAGE, status: str = "aktif") -> uuid.UUID:
    kim_id = uuid.uuid4()
    await runtime.pool.execute(
        "INSERT INTO kim (id, name, village_code, kabupaten_code, status, created_by)"
        " VALUES ($1, $2, $3, $4, $5, 'test')",
        kim_id,
        f"KIM {kim_id.hex[:6]}",
        village,
        village[:5],
        status,
    )
    return kim_id


async def publish(runtime: Runtime, *events: Event, service: str = "content") -> list[CloudEvent]:
    envelopes = [envelope(e, EventSource(service)) for e in events]
    await runtime.producer.send_all(
        OutgoingRecord(e.topic.name, ce.subject.encode(), ce.to_bytes())
        for e, ce in zip(events, envelopes, strict=True)
    )
    return envelopes


async def processed(runtime: Runtime, *ids: uuid.UUID) -> bool:
    n: int = await runtime.pool.fetchval(
        "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        CONSUMER,
        list(ids),
    )
    return n == len(ids)


async def outcomes(http: httpx.AsyncClient, topic: str) -> dict[str, float]:
    """The activity consumer's records of ``topic`` by outcome, from ``/metrics``."""
    out: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families((await http.get("/metrics")).text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "kim_consumer_events_total"
                and labels["group"] == CONSUMER
                and labels["topic"] == topic
            ):
                out[labels["outcome"]] += sample.value
    return dict(out)


async def activity(runtime: Runtime, kim_id: uuid.UUID) -> list[tuple[str, uuid.UUID, datetime]]:
    rows = await runtime.pool.fetch(
        "SELECT kind, source_id, occurred_at FROM kim_activity WHERE kim_id = $1"
        " ORDER BY occurred_at, kind",
        kim_id,
    )
    return [(r["kind"], r["source_id"], r["occurred_at"]) for r in rows]


async def test_every_fact_kind_lands_in_the_projection_once(
    runtime: Runtime, ponorogo: ImportResult, http: httpx.AsyncClient
) -> None:
    kim_id = await insert_kim(runtime)
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    article, listing, order, training, request = (uuid.uuid4() for _ in range(5))
    rejected = uuid.uuid4()
    events: list[Event] = [
        ArticlePublished(
            article_id=article,
            kim_id=kim_id,
            village_code=VILLAGE,
            title="Panen raya di Tugurejo",
            published_at=t0,
        ),
        ArticleRejected(
            article_id=rejected,
            kim_id=kim_id,
            reason_code="hoax",
            rejected_at=t0 + timedelta(hours=1),
        ),
        ListingPublished(
            listing_id=listing,
            seller_id=uuid.uuid4(),
            kim_id=kim_id,
            village_code=VILLAGE,
            published_at=t0 + timedelta(hours=2),
        ),
        OrderCompleted(
            order_id=order,
            listing_id=listing,
            kim_id=kim_id,
            completed_at=t0 + timedelta(hours=3),
        ),
        TrainingAttended(
            training_id=training,
            kim_id=kim_id,
            member_id=uuid.uuid4(),
            attended_at=t0 + timedelta(hours=4),
        ),
        # A second member at the same training: the KIM attended it once.
        TrainingAttended(
            training_id=training,
            kim_id=kim_id,
            member_id=uuid.uuid4(),
            attended_at=t0 + timedelta(hours=4),
        ),
        HelpRequestResolved(request_id=request, kim_id=kim_id, resolved_at=t0 + timedelta(hours=5)),
    ]
    sent = await publish(runtime, *events)
    await eventually(
        lambda: processed(runtime, *(ce.id for ce in sent)), what="all facts processed"
    )
    assert await activity(runtime, kim_id) == [
        ("article_published", article, t0),
        ("article_rejected", rejected, t0 + timedelta(hours=1)),
        ("listing_published", listing, t0 + timedelta(hours=2)),
        ("order_completed", order, t0 + timedelta(hours=3)),
        ("training_attended", training, t0 + timedelta(hours=4)),
        ("request_resolved", request, t0 + timedelta(hours=5)),
    ]

    # The same envelope again (a redelivery), then a new envelope about the same article
    # (a republished fact). Same key, same partition: once the second is processed, the
    # first has been consumed too.
    before = await outcomes(http, events[0].topic.name)
    await runtime.producer.send_all(
        [OutgoingRecord(events[0].topic.name, sent[0].subject.encode(), sent[0].to_bytes())]
    )
    again = await publish(runtime, events[0])
    await eventually(lambda: processed(runtime, again[0].id), what="the republished fact")
    # The redelivery was recognised by the inbox (the handler did not run again); the
    # republished fact ran the handler, which found the fact already projected.
    after = await outcomes(http, events[0].topic.name)
    assert {k: after[k] - before.get(k, 0) for k in after} == {"processed": 1, "duplicate": 1}
    assert await activity(runtime, kim_id) == [
        ("article_published", article, t0),
        ("article_rejected", rejected, t0 + timedelta(hours=1)),
        ("listing_published", listing, t0 + timedelta(hours=2)),
        ("order_completed", order, t0 + timedelta(hours=3)),
        ("training_attended", training, t0 + timedelta(hours=4)),
        ("request_resolved", request, t0 + timedelta(hours=5)),
    ]


async def test_unknown_kim_is_dead_lettered_and_a_listing_without_kim_ignored(
    runtime: Runtime, ponorogo: ImportResult, kafka_bootstrap: str
) -> None:
    kim_id = await insert_kim(runtime)
    stranger = uuid.uuid4()
    now = datetime.now(UTC)
    bad = ArticlePublished(
        article_id=uuid.uuid4(),
        kim_id=stranger,
        village_code=VILLAGE,
        title="Berita dari KIM yang tidak terdaftar",
        published_at=now,
    )
    orphan_listing = ListingPublished(
        listing_id=uuid.uuid4(), seller_id=uuid.uuid4(), village_code=VILLAGE, published_at=now
    )
    good = ArticlePublished(
        article_id=uuid.uuid4(),
        kim_id=kim_id,
        village_code=VILLAGE,
        title="Posyandu balita",
        published_at=now,
    )
    [bad_ce] = await publish(runtime, bad)
    [orphan_ce] = await publish(runtime, orphan_listing, service="marketplace")
    [good_ce] = await publish(runtime, good)

    dlq = f"{ArticlePublished.topic.name}.dlq"

    async def dead_lettered() -> bool:
        letters = await list_dead_letters(kafka_bootstrap, dlq)
        return any(d.event_id == str(bad_ce.id) for d in letters)

    await eventually(dead_lettered, what="the unknown KIM's article in the DLQ")
    [letter] = [
        d for d in await list_dead_letters(kafka_bootstrap, dlq) if d.event_id == str(bad_ce.id)
    ]
    assert letter.consumer == CONSUMER
    assert letter.error_type == "permanent_error"
    assert str(stranger) in letter.error
    assert letter.origin_topic == ArticlePublished.topic.name

    # Processing goes on: the next article is projected, the orphan listing consumed.
    await eventually(lambda: processed(runtime, good_ce.id, orphan_ce.id), what="later events")
    assert [k for k, *_ in await activity(runtime, kim_id)] == ["article_published"]
    assert not await runtime.pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM kim_activity WHERE kim_id = $1 OR source_id = $2)",
        stranger,
        orphan_listing.listing_id,
    )
    listing_dlq = await list_dead_letters(kafka_bootstrap, f"{ListingPublished.topic.name}.dlq")
    assert all(d.event_id != str(orphan_ce.id) for d in listing_dlq)


async def test_a_batch_with_an_unknown_kim_in_the_middle_dead_letters_only_that_fact(
    runtime: Runtime, ponorogo: ImportResult, http: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    kim_id = await insert_kim(runtime)
    stranger = uuid.uuid4()
    t0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    facts = [
        ArticlePublished(
            article_id=uuid.uuid4(),
            kim_id=stranger if i == 7 else kim_id,
            village_code=VILLAGE,
            title=f"Berita {i}",
            published_at=t0 + timedelta(minutes=i),
        )
        for i in range(15)
    ]
    topic = ArticlePublished.topic.name
    before = await outcomes(http, topic)
    # One send on one key: one partition, one fetched batch, one transaction that fails.
    envelopes = [envelope(f, EventSource("content")) for f in facts]
    await runtime.producer.send_all(
        OutgoingRecord(topic, b"one-key", ce.to_bytes()) for ce in envelopes
    )
    good = [ce.id for i, ce in enumerate(envelopes) if i != 7]
    await eventually(lambda: processed(runtime, *good), what="the facts around the bad one")

    async def dead_lettered() -> bool:
        letters = await list_dead_letters(kafka_bootstrap, f"{topic}.dlq")
        return any(d.event_id == str(envelopes[7].id) for d in letters)

    await eventually(dead_lettered, what="the unknown KIM's fact in the DLQ")
    [letter] = [
        d
        for d in await list_dead_letters(kafka_bootstrap, f"{topic}.dlq")
        if d.event_id == str(envelopes[7].id)
    ]
    assert letter.error_type == "permanent_error"
    assert str(stranger) in letter.error
    assert [at for _, _, at in await activity(runtime, kim_id)] == [
        t0 + timedelta(minutes=i) for i in range(15) if i != 7
    ]
    after = await outcomes(http, topic)
    assert {k: after[k] - before.get(k, 0) for k in after} == {
        "processed": 14,
        "dead_lettered": 1,
    }
