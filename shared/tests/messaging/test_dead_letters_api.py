"""``GET /dead-letters`` of a service built with the kit: what its own consumer dead-lettered
on the real broker, pending until ``kim dlq replay`` and replayed after; staff only, each
staff member within their region; bounded; never the record's value."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kim_devstack.testing import eventually, serving
from kim_devstack.tokens import bearer
from kim_shared.cli import main
from kim_shared.db import Connection
from kim_shared.events.topics import TopicSpec
from kim_shared.inbox import EventMeta, PermanentError
from kim_shared.inbox.deadletter import Origin, dead_letter
from kim_shared.kafka import OutgoingRecord, Producer, read_tails
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope
from kim_shared.service import ConsumerSpec, ServiceSpec, build_app
from kim_shared.settings import ServiceSettings

from .support import ThingBase, thing_model

pytestmark = pytest.mark.integration

PONOROGO, MADIUN = "35.02", "35.19"
SECRET = "NIK 3502011234560001"  # in the poison record's value: never in an answer


def _settings(database_url: str, bootstrap: str, keys: Path) -> ServiceSettings:
    return ServiceSettings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        auth_dev_key_dir=str(keys),
        log_json=False,
    )


class Things:
    """The consumer under test: refuses every thing until it is allowed."""

    def __init__(self) -> None:
        self.allowed = False

    async def apply(self, conn: Connection, event: ThingBase, meta: EventMeta) -> None:
        if not self.allowed:
            raise PermanentError(f"{event.thing_id} is not allowed yet")


@pytest.fixture
async def service(
    fresh_db: str, kafka_bootstrap: str, new_topic: Callable[..., Any], tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceSettings, TopicSpec, Things, str]]:
    topic: TopicSpec = await new_topic(partitions=1)
    things = Things()
    group = f"registry.dlq-api-{uuid.uuid4().hex[:8]}"
    spec = ServiceSpec(
        name="registry",
        title="Registry (test)",
        description="",
        consumers=[ConsumerSpec(name=group, handlers={thing_model(topic): things.apply})],
    )
    settings = _settings(fresh_db, kafka_bootstrap, tmp_path / "keys")
    async with serving(build_app(spec, settings)) as http:
        yield http, settings, topic, things, group


async def _send(bootstrap: str, records: list[OutgoingRecord]) -> None:
    producer = Producer(bootstrap)
    await producer.start()
    try:
        await producer.send_all(records)
    finally:
        await producer.stop()


def _event(topic: TopicSpec, thing_id: str, kabupaten: str) -> OutgoingRecord:
    ce = envelope(thing_model(topic)(thing_id=thing_id, seq=1), EventSource("registry", kabupaten))
    return OutgoingRecord(topic.name, thing_id.encode(), ce.to_bytes())


async def test_a_consumers_dead_letters_are_listed_pending_then_replayed(
    service: tuple[httpx.AsyncClient, ServiceSettings, TopicSpec, Things, str],
    kafka_bootstrap: str,
) -> None:
    http, settings, topic, things, group = service
    admin = bearer(settings, "admin_provinsi", region="35")
    operator = bearer(settings, "operator_kabupaten", region=PONOROGO)
    await _send(
        kafka_bootstrap,
        [
            _event(topic, "needs-ponorogo", PONOROGO),
            OutgoingRecord(topic.name, b"poison", f"not an event: {SECRET}".encode()),
            _event(topic, "needs-madiun", MADIUN),
        ],
    )

    async def listed(headers: dict[str, str], **params: Any) -> dict[str, Any]:
        r = await http.get("/dead-letters", headers=headers, params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def three() -> bool:
        return len((await listed(admin))["items"]) == 3

    await eventually(three, what="three dead letters of the consumer")
    page = await listed(admin)
    assert page["service"] == "registry"
    assert page["topics"] == [topic.dlq.name]
    assert page["truncated"] is False
    items = page["items"]
    assert [i["origin_offset"] for i in items] == [2, 1, 0]  # newest first
    assert {i["consumer"] for i in items} == {group}
    assert {i["status"] for i in items} == {"pending"}
    ponorogo = items[2]
    assert ponorogo["origin_topic"] == topic.name
    assert ponorogo["event_type"] == "kim.test.thing.happened.v1"
    assert ponorogo["kabupaten"] == PONOROGO
    assert ponorogo["error_type"] == "permanent_error"
    assert "needs-ponorogo is not allowed yet" in ponorogo["error"]
    poison = items[1]
    assert (poison["event_type"], poison["error_type"]) == (None, "invalid_envelope")
    assert SECRET not in str(page)  # never the value

    seen = await listed(operator)  # a kabupaten's operator: its letters and unattributed ones
    assert [i["origin_offset"] for i in seen["items"]] == [1, 0]
    newest = await listed(admin, limit=1)
    assert [i["origin_offset"] for i in newest["items"]] == [2]
    assert newest["truncated"] is True

    things.allowed = True
    args = ["--topic", topic.name, "--bootstrap", kafka_bootstrap]
    assert await asyncio.to_thread(main, ["dlq", "replay", *args]) == 0
    # another service's consumer of the same topic: its letter is not this service's
    elsewhere = dead_letter(
        Origin(topic.name, 0, 99, b"k", b"{}"),
        consumer="content.elsewhere",
        error_type="permanent_error",
        error="not ours",
        attempts=1,
    )
    await _send(kafka_bootstrap, [elsewhere])

    replayed = await listed(admin, pending="false")
    assert sorted(i["origin_offset"] for i in replayed["items"]) == [0, 1, 2]
    assert {i["status"] for i in replayed["items"]} == {"replayed"}

    async def poison_again() -> bool:  # the poison fails again, as a new pending letter
        return len((await listed(admin, pending="true"))["items"]) == 1

    await eventually(poison_again, what="the replayed poison record to be dead-lettered again")
    (again,) = (await listed(admin, pending="true"))["items"]
    assert again["error_type"] == "invalid_envelope"
    assert again["origin_topic"] == topic.name
    assert again["origin_offset"] > 2  # the replayed copy, further on the original topic


async def test_only_staff_may_list_dead_letters_with_valid_parameters(
    service: tuple[httpx.AsyncClient, ServiceSettings, TopicSpec, Things, str],
) -> None:
    http, settings, *_ = service
    no_token = await http.get("/dead-letters")
    assert no_token.status_code == 401
    assert no_token.headers["content-type"] == "application/problem+json"
    member = await http.get("/dead-letters", headers=bearer(settings, "pendamping", region=None))
    assert member.status_code == 403
    assert "admin_provinsi, operator_kabupaten" in member.json()["detail"]
    operator = bearer(settings, "operator_kabupaten", region=PONOROGO)
    for params in ({"limit": "0"}, {"limit": "501"}, {"limit": "many"}, {"pending": "maybe"}):
        bad = await http.get("/dead-letters", headers=operator, params=params)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == "application/problem+json"
        (field,) = params
        assert [e["field"] for e in bad.json()["errors"]] == [f"query.{field}"]


async def test_an_unreachable_broker_is_a_503_problem(fresh_db: str, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    settings = _settings(fresh_db, closed, tmp_path / "keys")
    topic = TopicSpec("kim.test.unreachable.v1")
    consumer = ConsumerSpec(
        name="registry.unreachable", handlers={thing_model(topic): Things().apply}
    )
    spec = ServiceSpec(
        name="registry", title="Registry (test)", description="", consumers=[consumer]
    )
    async with serving(build_app(spec, settings)) as http:
        r = await http.get("/dead-letters", headers=bearer(settings, "admin_provinsi", region="35"))
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "Kafka" in r.json()["detail"]


async def test_tails_are_bounded_by_count_and_by_time(
    kafka_bootstrap: str, new_topic: Callable[..., Any]
) -> None:
    topic: TopicSpec = await new_topic(partitions=1)
    await _send(
        kafka_bootstrap, [OutgoingRecord(topic.name, None, str(i).encode()) for i in range(5)]
    )
    everything = await read_tails(kafka_bootstrap, [topic.name], per_partition=5, within_s=10)
    assert ([r.value for r in everything.records], everything.complete) == (
        [str(i).encode() for i in range(5)],
        True,
    )
    newest = await read_tails(kafka_bootstrap, [topic.name], per_partition=2, within_s=10)
    assert ([r.offset for r in newest.records], newest.complete) == ([3, 4], False)
    out_of_time = await read_tails(kafka_bootstrap, [topic.name], per_partition=5, within_s=0)
    assert out_of_time.complete is False
