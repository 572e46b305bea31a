"""Mentoring and the registry end to end, through the real broker (issue 10): the registry
imports Ponorogo, forms and activates a KIM; mentoring learns both from the registry's state
topics; a member of the KIM asks for help, an expert gets it, schedules a session, and the
KIM closes it with an outcome and a rating; an officer of the KIM attends a training,
completes it and gets a certificate anyone can verify; the registry counts the training
attended and the request resolved for that KIM, in its activity and in a finalized
evaluation period, exactly once even when mentoring's events come again (the same event
id, and the same fact under a new id).

Both services run in-process on fresh databases with their real lifespans (pool,
migrations, outbox relay, consumers); every consumer group starts at its topics' end, so
each service receives exactly what this test makes happen. Everything is asserted through
the services' HTTP APIs (and ``/metrics``); the re-delivered events are read from
mentoring's public topics and published again as they are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from kim_devstack.registry_api import ANGGOTA, PENGURUS, form_aktif_kim
from kim_devstack.testing import Running, eventually, running_services
from kim_devstack.tokens import bearer
from kim_shared.clock import today
from kim_shared.events.envelope import CONTENT_TYPE
from kim_shared.events.topics import MENTORING_REQUEST, MENTORING_TRAINING, TopicSpec
from kim_shared.projections.kim import get_kim
from kim_shared.projections.regions.lookups import region
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

PONOROGO = "35.02"
TUGUREJO = "35.02.01.2001"
WITHIN = 60.0
ACTIVITY_GROUP = "registry.activity"
RESOLVED = "kim.mentoring.request.resolved.v1"
ATTENDED = "kim.mentoring.training.attended.v1"
#: A Tuesday, a working day (sessions and trainings are held on working days only).
WORKING_DAY = date(2027, 2, 9)
TRAINING_DAY = date(2026, 11, 10)
"""A past working day: attendance is recorded from the training's day on."""


@pytest.fixture
async def services(
    pg_server: str, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[dict[str, Running]]:
    async with running_services(
        pg_server, kafka_bootstrap, tmp_path / "keys", "registry", "mentoring"
    ) as out:
        yield out


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def _events_of(bootstrap: str, topic: TopicSpec, kim_id: uuid.UUID, kind: str) -> list[bytes]:
    """The envelopes of type ``kind`` about ``kim_id`` on ``topic``, as published."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[bytes] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in tps])

        while await behind():
            batch = await consumer.getmany(*tps, timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    assert record.value is not None
                    event = json.loads(record.value)
                    if event["type"] == kind and event["data"]["kim_id"] == str(kim_id):
                        found.append(record.value)
        return found
    finally:
        await consumer.stop()


async def _publish_raw(bootstrap: str, topic: TopicSpec, envelopes: list[bytes]) -> None:
    """Publish envelopes again as mentoring's relay did (keyed by subject)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value in envelopes:
            subject = json.loads(value)["subject"]
            await producer.send_and_wait(
                topic.name,
                value,
                key=subject.encode(),
                headers=[("content-type", CONTENT_TYPE.encode())],
            )
    finally:
        await producer.stop()


def _with_new_id(envelope: bytes) -> bytes:
    event = json.loads(envelope)
    event["id"] = str(uuid.uuid4())
    return json.dumps(event).encode()


async def _consumer_events(http: httpx.AsyncClient, topic: TopicSpec, outcome: str) -> float:
    """``kim_consumer_events_total`` of the registry's activity consumer from ``/metrics``."""
    text = (await http.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "kim_consumer_events_total"
                and sample.labels.get("group") == ACTIVITY_GROUP
                and sample.labels.get("topic") == topic.name
                and sample.labels.get("outcome") == outcome
            ):
                return sample.value
    return 0.0


async def test_help_and_training_reach_the_registrys_evaluation_once(
    services, kafka_bootstrap: str
) -> None:
    registry_http, registry = services["registry"]
    mentoring_http, mentoring = services["mentoring"]
    op = bearer(registry.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo")
    imported = _ok(
        await registry_http.post("/regions/imports", json={"scope": PONOROGO}, headers=op)
    )
    assert imported["total"] > 300
    kim_id = await form_aktif_kim(registry_http, op, members=(*PENGURUS, ANGGOTA))

    # mentoring learns the regions and the aktif KIM from the registry's state topics
    def projected(runtime: Runtime) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            async with runtime.pool.acquire() as conn:
                found = await get_kim(conn, kim_id)
                return (
                    found is not None
                    and found.state.status == "aktif"
                    and await region(conn, PONOROGO) is not None
                )

        return check

    await eventually(projected(mentoring), within=WITHIN, what="the aktif KIM in mentoring")

    # --- a help request: opened by a member, assigned, scheduled, resolved -------------------
    staff = bearer(mentoring.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo")
    expert = bearer(mentoring.settings, "pendamping", sub="ahli-jurnalistik")
    member = bearer(mentoring.settings, "anggota_kim", region=PONOROGO, sub="user-anggota")
    officer = bearer(mentoring.settings, "pengelola_kim", region=TUGUREJO, sub="user-ketua")
    _ok(
        await mentoring_http.put(
            "/experts/ahli-jurnalistik",
            json={"kabupaten_code": PONOROGO, "skills": ["jurnalistik"], "weekly_capacity": 5},
            headers=staff,
        )
    )
    opened = _ok(
        await mentoring_http.post(
            "/help-requests",
            json={
                "kim_id": str(kim_id),
                "skill": "jurnalistik",
                "description": "Kami ingin belajar menulis berita kegiatan posyandu desa.",
                "mode": "online",
                "urgency": "tinggi",
            },
            headers=member,
        ),
        201,
    )
    request_id = opened["id"]
    assert (opened["status"], opened["expert_subject"]) == ("assigned", "ahli-jurnalistik")
    for who in (expert, officer, staff):
        page = _ok(await mentoring_http.get("/help-requests", headers=who))
        assert [r["id"] for r in page["items"] if r["origin"] == "member"] == [request_id]
    # the KIM formed with no onboarding training scheduled: the proactive rule asked for one
    page = _ok(await mentoring_http.get("/help-requests", headers=staff))
    system = [(r["rule"], r["kim_id"]) for r in page["items"] if r["origin"] == "system"]
    assert system == [("onboarding", str(kim_id))]
    _ok(
        await mentoring_http.post(
            f"/help-requests/{request_id}/sessions",
            json={"starts_at": f"{WORKING_DAY}T09:00:00+07:00", "duration_minutes": 90},
            headers=expert,
        ),
        201,
    )
    done = _ok(
        await mentoring_http.post(
            f"/help-requests/{request_id}/done",
            json={"outcome": "Berita posyandu sudah terbit di portal desa.", "rating": 5},
            headers=member,
        )
    )
    assert (done["status"], done["rating"]) == ("done", 5)
    page = _ok(await mentoring_http.get("/help-requests", params={"status": "done"}, headers=staff))
    assert [r["id"] for r in page["items"]] == [request_id]

    # --- a training: scheduled, the officer registers, attends, completes, is certified -----
    training = _ok(
        await mentoring_http.post(
            "/trainings",
            json={
                "title": "Diklat Jurnalistik Dasar KIM Ponorogo",
                "skill": "jurnalistik",
                "level": "dasar",
                "kabupaten_code": PONOROGO,
                "venue": "Aula Diskominfo Ponorogo",
                "starts_on": TRAINING_DAY.isoformat(),
                "ends_on": TRAINING_DAY.isoformat(),
                "capacity": 20,
                "audience": "KIM baru",
            },
            headers=staff,
        ),
        201,
    )
    registration = _ok(
        await mentoring_http.post(
            f"/trainings/{training['id']}/registrations",
            json={"participant_name": "Sutrisno Wibowo"},
            headers=officer,
        ),
        201,
    )
    assert (registration["status"], registration["kim_id"]) == ("confirmed", str(kim_id))
    recorded_on = today()
    attended = _ok(
        await mentoring_http.post(
            f"/trainings/{training['id']}/attendance",
            json={"day": TRAINING_DAY.isoformat(), "registration_ids": [registration["id"]]},
            headers=staff,
        )
    )
    assert attended[0]["status"] == "completed"
    code = attended[0]["certificate_code"]
    assert code
    verified = _ok(await mentoring_http.get(f"/certificates/{code}"))
    assert verified["name"] == "Sutrisno Wibowo"
    assert verified["training"] == "Diklat Jurnalistik Dasar KIM Ponorogo"
    assert verified["date"] in (recorded_on.isoformat(), today().isoformat())  # WIB midnight
    assert verified["issuer"] == "Dinas Komunikasi dan Informatika Kabupaten Ponorogo"
    pdf = await mentoring_http.get(f"/certificates/{code}.pdf")
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
    assert (await mentoring_http.get(f"/certificates/{code}x")).status_code == 404

    # --- the registry counts both for the KIM ----------------------------------------------
    async def activity() -> dict[str, int]:
        r = await registry_http.get(f"/kim/{kim_id}/activity", headers=op)
        recent: dict[str, int] = r.json()["recent"] if r.status_code == 200 else {}
        return recent

    async def counted() -> bool:
        recent = await activity()
        return recent.get("training_attended") == 1 and recent.get("request_resolved") == 1

    await eventually(counted, within=WITHIN, what="the training and the request in the activity")

    # --- the same events again: the same ids, then the same facts under new ids -------------
    resolved = await _events_of(kafka_bootstrap, MENTORING_REQUEST, kim_id, RESOLVED)
    attended_events = await _events_of(kafka_bootstrap, MENTORING_TRAINING, kim_id, ATTENDED)
    assert (len(resolved), len(attended_events)) == (1, 1)
    topics = ((MENTORING_REQUEST, resolved), (MENTORING_TRAINING, attended_events))
    for outcome, change in (("duplicate", lambda e: e), ("processed", _with_new_id)):
        before = {t.name: await _consumer_events(registry_http, t, outcome) for t, _ in topics}
        for topic, envelopes in topics:
            await _publish_raw(kafka_bootstrap, topic, [change(e) for e in envelopes])

        async def settled(outcome: str = outcome, before: dict[str, float] = before) -> bool:
            for topic, envelopes in topics:
                now = await _consumer_events(registry_http, topic, outcome)
                if now < before[topic.name] + len(envelopes):
                    return False
            return True

        await eventually(settled, within=WITHIN, what=f"the re-delivered events ({outcome})")
        recent = await activity()
        assert (recent["training_attended"], recent["request_resolved"]) == (1, 1), recent

    # --- an evaluation period of the kabupaten, closed early today -------------------------
    first_day = today() - timedelta(days=7)
    period = _ok(
        await registry_http.post(
            "/evaluation-periods",
            json={
                "kabupaten_code": PONOROGO,
                "name": "Evaluasi KIM Ponorogo pekan ini",
                "starts_on": first_day.isoformat(),
                "ends_on": today().isoformat(),
            },
            headers=op,
        ),
        201,
    )
    # The period runs until today: the operator closes it early, counting what is in so far.
    outcome = _ok(
        await registry_http.post(
            f"/evaluation-periods/{period['id']}/finalize",
            params={"close_early": "true"},
            headers=op,
        )
    )
    assert outcome["evaluated"] == 1
    results = _ok(
        await registry_http.get(f"/evaluation-periods/{period['id']}/results", headers=op)
    )
    (row,) = results["results"]
    assert row["kim_id"] == str(kim_id)
    assert row["metrics"]["training_attended"] == 1
    assert row["metrics"]["request_resolved"] == 1
    # ADINDA Implementasi: trainings attended and requests resolved against a target of 6
    assert row["breakdown"]["adinda_implementasi"] == 33.33
    public = _ok(await registry_http.get(f"/kim/{kim_id}/evaluations"))
    assert [e["score"] for e in public["evaluations"]] == [row["score"]]
