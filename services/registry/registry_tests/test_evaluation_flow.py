"""Evaluation end to end: a period with the default template, jury scores under If-Match,
activity through the real broker, finalization with one kim.evaluated event per aktif KIM
(score and band, no personal data), ranked results, and the guards around it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kim_devstack.testing import eventually
from kim_registry.regions.importer import ImportResult
from kim_shared import clock
from kim_shared.events.base import Event
from kim_shared.events.types.activity import (
    ArticlePublished,
    ListingPublished,
    TrainingAttended,
)
from kim_shared.kafka import OutgoingRecord
from kim_shared.outbox import EventSource
from kim_shared.outbox.store import envelope
from kim_shared.service import Runtime

pytestmark = pytest.mark.integration

Auth = Callable[..., dict[str, str]]
EVALUATED = "kim.registry.evaluation.published.v1"
TODAY = clock.today()  # the service's calendar: WIB (UTC+7), not the machine's UTC date
STARTS, ENDS = TODAY - timedelta(days=60), TODAY - timedelta(days=1)


async def insert_kim(runtime: Runtime, village: str, name: str, status: str = "aktif") -> str:
    kim_id = uuid.uuid4()
    await runtime.pool.execute(
        "INSERT INTO kim (id, name, village_code, kabupaten_code, status, created_by)"
        " VALUES ($1, $2, $3, $4, $5, 'test')",
        kim_id,
        name,
        village,
        village[:5],
        status,
    )
    return str(kim_id)


async def publish(runtime: Runtime, events: list[Event]) -> list[uuid.UUID]:
    envelopes = [envelope(e, EventSource("content")) for e in events]
    await runtime.producer.send_all(
        OutgoingRecord(e.topic.name, ce.subject.encode(), ce.to_bytes())
        for e, ce in zip(events, envelopes, strict=True)
    )
    return [ce.id for ce in envelopes]


def articles(kim_id: str, n: int, at: datetime) -> list[Event]:
    return [
        ArticlePublished(
            article_id=uuid.uuid4(),
            kim_id=uuid.UUID(kim_id),
            village_code="35.02.01.2001",
            title=f"Berita {i}",
            published_at=at,
        )
        for i in range(n)
    ]


async def create_period(
    http: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {
        "kabupaten_code": "35.02",
        "name": "Lomba KIM Ponorogo",
        "starts_on": STARTS.isoformat(),
        "ends_on": ENDS.isoformat(),
    } | fields
    return await http.post("/evaluation-periods", json=body, headers=headers)


@pytest.fixture
async def setup(runtime: Runtime, ponorogo: ImportResult) -> dict[str, str]:
    ids = {
        "a": await insert_kim(runtime, "35.02.01.2001", "KIM Tugurejo"),
        "b": await insert_kim(runtime, "35.02.01.2002", "KIM Kambeng"),
        "calon": await insert_kim(runtime, "35.02.01.2003", "KIM Calon", "calon"),
        "madiun": await insert_kim(runtime, "35.19.01.2001", "KIM Madiun"),
    }
    inside = datetime.combine(STARTS + timedelta(days=10), datetime.min.time(), tzinfo=UTC)
    a = uuid.UUID(ids["a"])
    events: list[Event] = [
        *articles(ids["a"], 12, inside),
        *articles(ids["a"], 5, datetime.now(UTC)),  # after the period: not counted
        *articles(ids["b"], 1, inside),
        *[
            TrainingAttended(training_id=uuid.uuid4(), kim_id=a, attended_at=inside)
            for _ in range(3)
        ],
        *[
            ListingPublished(
                listing_id=uuid.uuid4(),
                seller_id=uuid.uuid4(),
                kim_id=a,
                village_code="35.02.01.2001",
                published_at=inside,
            )
            for _ in range(10)
        ],
    ]
    sent = await publish(runtime, events)

    async def projected() -> bool:
        n: int = await runtime.pool.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = 'registry.activity'"
            " AND event_id = ANY($1::uuid[])",
            sent,
        )
        return n == len(sent)

    await eventually(projected, what="the activity facts projected")
    return ids


async def test_evaluation_flow_end_to_end(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, setup: dict[str, str]
) -> None:
    operator = auth("operator_kabupaten", region="35.02", sub="op-ponorogo")
    created = await create_period(http, {**operator, "Idempotency-Key": "period-1"})
    assert created.status_code == 201, created.text
    period = created.json()
    pid = period["id"]
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/evaluation-periods/{pid}"
    assert period["status"] == "open"
    assert sum(c["weight"] for c in period["criteria"]) == 100
    assert [b["band"] for b in period["bands"]] == ["mandiri", "maju", "berkembang", "tumbuh"]
    replay = await create_period(http, {**operator, "Idempotency-Key": "period-1"})
    assert replay.json()["id"] == pid
    assert replay.headers["Idempotent-Replayed"] == "true"

    got = await http.get(f"/evaluation-periods/{pid}", headers=operator)
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    listed = await http.get("/evaluation-periods", params={"kabupaten": "35.02"}, headers=operator)
    assert [p["id"] for p in listed.json()["periods"]] == [pid]

    # Jury scores: every jury criterion 80, except adinda_aspirasi (missing → 0).
    jury = [c["key"] for c in period["criteria"] if c["source"] == "jury"]
    scores = {k: 80 for k in jury if k != "adinda_aspirasi"}
    url = f"/evaluation-periods/{pid}/kim/{setup['a']}/scores"
    sheet = await http.get(url, headers=operator)
    assert sheet.status_code == 200
    assert sheet.headers["ETag"] == '"0"'
    assert sheet.json()["jury_missing"] == jury
    r = await http.put(url, json={"scores": scores}, headers=operator)
    assert r.status_code == 428, r.text
    r = await http.put(
        url,
        json={"scores": {**scores, "administrasi": 50}},
        headers={**operator, "If-Match": '"0"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"1"'
    r = await http.put(url, json={"scores": scores}, headers={**operator, "If-Match": '"0"'})
    assert r.status_code == 412, r.text
    assert r.headers["ETag"] == '"1"'
    r = await http.put(
        url,
        json={"scores": scores, "notes": {"administrasi": "SK lengkap"}},
        headers={**operator, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["scores"]["administrasi"] == 80
    assert r.json()["notes"] == {"administrasi": "SK lengkap"}
    assert r.json()["jury_missing"] == ["adinda_aspirasi"]
    for bad in ({"pemanfaatan_media": 90}, {"kreativitas": 90}, {"administrasi": 120}):
        r = await http.put(url, json={"scores": bad}, headers={**operator, "If-Match": '"2"'})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == f"scores.{next(iter(bad))}"
    r = await http.put(
        f"/evaluation-periods/{pid}/kim/{setup['madiun']}/scores",
        json={"scores": scores},
        headers={**operator, "If-Match": '"0"'},
    )
    assert r.status_code == 404  # not a KIM of this period's kabupaten

    # Results exist only after finalization.
    assert (
        await http.get(f"/evaluation-periods/{pid}/results", headers=operator)
    ).status_code == 409

    done = await http.post(f"/evaluation-periods/{pid}/finalize", headers=operator)
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert outcome["period"]["status"] == "finalized"
    assert outcome["evaluated"] == 2  # the calon KIM and Madiun's are not evaluated
    first, second = outcome["results"]
    # A: administrasi/akses/diskusi/networking/diseminasi 80, aspirasi 0, media 12/24 → 50,
    # implementasi 3/6 → 50, UMKM 10/20 → 50:
    # (80·15 + 50·20 + 80·8·4 + 50·8 + 0·8 + 50·17) / 100 = 60.10 → berkembang.
    assert (first["kim_id"], first["rank"], first["score"], first["band"]) == (
        setup["a"],
        1,
        60.1,
        "berkembang",
    )
    assert first["breakdown"]["pemanfaatan_media"] == 50
    assert first["metrics"]["article_published"] == 12  # the 5 after the period do not count
    assert first["jury_missing"] == ["adinda_aspirasi"]
    # B: one article (1/24 → 4.17 points of 20 %), no jury scores: 0.83 → tumbuh.
    assert (second["kim_id"], second["rank"], second["score"], second["band"]) == (
        setup["b"],
        2,
        0.83,
        "tumbuh",
    )

    rows = await runtime.pool.fetch(
        "SELECT key, topic, payload FROM outbox WHERE event_type = $1 ORDER BY id", EVALUATED
    )
    assert [r["key"] for r in rows] == [setup["a"], setup["b"]]
    assert {r["topic"] for r in rows} == {"kim.registry.evaluation.v1"}
    envelope_a = json.loads(rows[0]["payload"])
    assert envelope_a["kabupaten"] == "35.02"
    assert envelope_a["subject"] == setup["a"]
    data = envelope_a["data"]
    assert set(data) == {
        "kim_id",
        "period_id",
        "kabupaten_code",
        "score",
        "band",
        "criteria",
        "period_ends_on",
        "bands",
    }  # ids, numbers and criterion keys only: no names, NIK, phone or address
    assert (data["period_id"], data["score"], data["band"]) == (pid, 60.1, "berkembang")
    assert data["criteria"]["adinda_aspirasi"] == 0
    assert data["bands"] == ["mandiri", "maju", "berkembang", "tumbuh"]
    assert "KIM Tugurejo" not in rows[0]["payload"].decode()

    # Finalizing twice is a conflict; scores are frozen; nothing more is published.
    again = await http.post(f"/evaluation-periods/{pid}/finalize", headers=operator)
    assert again.status_code == 409, again.text
    assert "already finalized" in again.json()["detail"]
    r = await http.put(url, json={"scores": scores}, headers={**operator, "If-Match": '"2"'})
    assert r.status_code == 409
    assert (
        await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE event_type = $1", EVALUATED)
        == 2
    )

    results = await http.get(f"/evaluation-periods/{pid}/results", headers=operator)
    assert results.status_code == 200
    assert [(x["rank"], x["name"], x["band"]) for x in results.json()["results"]] == [
        (1, "KIM Tugurejo", "berkembang"),
        (2, "KIM Kambeng", "tumbuh"),
    ]

    public = await http.get(f"/kim/{setup['a']}/evaluations")  # anonymous
    assert public.status_code == 200
    assert public.json()["evaluations"] == [
        {
            "period_id": pid,
            "period_name": "Lomba KIM Ponorogo",
            "starts_on": STARTS.isoformat(),
            "ends_on": ENDS.isoformat(),
            "score": 60.1,
            "band": "berkembang",
        }
    ]

    async def published() -> bool:
        n: int = await runtime.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE event_type = $1 AND sent_at IS NOT NULL", EVALUATED
        )
        return n == 2

    await eventually(published, what="the relay to publish the evaluations")


async def test_finalize_waits_for_the_end_and_replays_with_its_key(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, setup: dict[str, str]
) -> None:
    operator = auth("operator_kabupaten", region="35.02")
    running = await create_period(http, operator, ends_on=(TODAY + timedelta(days=10)).isoformat())
    pid = running.json()["id"]
    r = await http.post(f"/evaluation-periods/{pid}/finalize", headers=operator)
    assert r.status_code == 409
    assert "can be finalized from" in r.json()["detail"]

    ended = (await create_period(http, operator)).json()["id"]
    stale = await http.post(
        f"/evaluation-periods/{ended}/finalize", headers={**operator, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    keyed = {**operator, "Idempotency-Key": f"finalize-{ended}"}
    first = await http.post(f"/evaluation-periods/{ended}/finalize", headers=keyed)
    assert first.status_code == 200, first.text
    retry = await http.post(f"/evaluation-periods/{ended}/finalize", headers=keyed)
    assert retry.status_code == 200  # a retried request gets its answer again
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert (
        await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE event_type = $1", EVALUATED)
        == 2
    )


async def test_other_tenants_get_404(
    http: httpx.AsyncClient, auth: Auth, setup: dict[str, str]
) -> None:
    ponorogo = auth("operator_kabupaten", region="35.02")
    pid = (await create_period(http, ponorogo)).json()["id"]
    madiun = auth("operator_kabupaten", region="35.19")
    kim = setup["a"]
    for method, url in [
        ("GET", f"/evaluation-periods/{pid}"),
        ("GET", f"/evaluation-periods/{pid}/results"),
        ("GET", f"/evaluation-periods/{pid}/kim/{kim}/scores"),
        ("POST", f"/evaluation-periods/{pid}/finalize"),
    ]:
        r = await http.request(method, url, headers=madiun)
        assert r.status_code == 404, (method, url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await http.put(
        f"/evaluation-periods/{pid}/kim/{kim}/scores",
        json={"scores": {"administrasi": 10}},
        headers={**madiun, "If-Match": '"0"'},
    )
    assert r.status_code == 404
    # the kabupaten named in the body: answered like an unknown one
    r = await create_period(http, madiun)
    assert r.status_code == 422
    assert r.json()["type"].endswith("/unknown-region")
    r = await http.get("/evaluation-periods", params={"kabupaten": "35.02"}, headers=madiun)
    assert r.status_code == 404
    assert (await http.get("/evaluation-periods", headers=madiun)).json()["periods"] == []

    admin = auth("admin_provinsi", region="35")
    assert (await http.get(f"/evaluation-periods/{pid}", headers=admin)).status_code == 200
    listed = await http.get("/evaluation-periods", params={"kabupaten": "35"}, headers=admin)
    assert [p["id"] for p in listed.json()["periods"]] == [pid]
    pengelola = auth("pengelola_kim", region="35.02", kim_ids=(kim,))
    assert (await http.get(f"/evaluation-periods/{pid}", headers=pengelola)).status_code == 403
    assert (await http.get(f"/evaluation-periods/{pid}")).status_code == 401


async def test_a_running_period_closes_early_only_when_asked(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, setup: dict[str, str]
) -> None:
    operator = auth("operator_kabupaten", region="35.02", sub="op-ponorogo")
    running = await create_period(http, operator, ends_on=(TODAY + timedelta(days=30)).isoformat())
    pid = running.json()["id"]
    refused = await http.post(f"/evaluation-periods/{pid}/finalize", headers=operator)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/period-not-ended")
    assert "close_early" in refused.json()["detail"]

    closed_on = clock.today()  # taken now: the suite may cross midnight WIB since import
    done = await http.post(
        f"/evaluation-periods/{pid}/finalize", params={"close_early": "true"}, headers=operator
    )
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert outcome["period"]["ends_on"] == closed_on.isoformat()  # shortened to the closing day
    first = next(r for r in outcome["results"] if r["kim_id"] == setup["a"])
    assert first["metrics"]["article_published"] == 17  # today's five count as well
    row = await runtime.pool.fetchrow(
        "SELECT payload FROM outbox WHERE event_type = $1 AND key = $2 ORDER BY id DESC LIMIT 1",
        EVALUATED,
        setup["a"],
    )
    assert row is not None
    assert json.loads(row["payload"])["data"]["period_ends_on"] == closed_on.isoformat()

    future = await create_period(
        http,
        operator,
        starts_on=(TODAY + timedelta(days=1)).isoformat(),
        ends_on=(TODAY + timedelta(days=30)).isoformat(),
    )
    r = await http.post(
        f"/evaluation-periods/{future.json()['id']}/finalize",
        params={"close_early": "true"},
        headers=operator,
    )
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/period-not-started")
