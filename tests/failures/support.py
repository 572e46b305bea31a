"""The platform the failure tests break, the load they put on it, and what they read back.

:class:`Platform`: the four services as real processes (:class:`kim_devstack.processes.Fleet`)
on a Kafka the tests may kill (the session's outage node, wiped first) and PostgreSQL; the
mentoring service's database lives on a PostgreSQL of its own that a test may stop.

:class:`Load`: API writes across services, recorded as acknowledged writes
(:class:`kim_devstack.invariants.History`): renames of KIM in the registry (key: the KIM,
op: the new name; every KIM projection must end on the last name) and marketplace products
submitted for moderation (key and op: the listing; content screens it, decides, the
marketplace publishes it, the registry counts it as the assisting KIM's activity).

:func:`kim_stages` and :func:`listing_stages` read back what each topic and each consumer
shows, as the checker's stages.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from kim_devstack.invariants import History, Report, Seen, check
from kim_devstack.kafka import KafkaNode
from kim_devstack.postgres import PostgresNode
from kim_devstack.processes import Fleet
from kim_devstack.testing import eventually
from kim_shared.db import create_pool
from kim_shared.events.topics import (
    CONTENT_MODERATION,
    MARKETPLACE_LISTING,
    REGISTRY_KIM_STATE,
)
from kim_shared.kafka import read_topic

PONOROGO = "35.02"
PROJECTING = ("content", "marketplace", "mentoring")
"""Services that project the registry's KIM and regions."""
WITHIN = 120.0
"""Bound on waiting for the platform to settle (no timing is asserted with it)."""


@dataclass
class Platform:
    fleet: Fleet
    bootstrap: str
    mentoring_pg: PostgresNode
    kafka_node: KafkaNode
    pools: dict[str, asyncpg.Pool] = field(default_factory=dict)
    operator: dict[str, str] = field(default_factory=dict)  # registry staff headers
    owner: dict[str, str] = field(default_factory=dict)  # the seller's owner
    aktif_kim: str = ""
    seller_id: str = ""
    kims: list[str] = field(default_factory=list)  # KIM the load renames
    free_villages: list[str] = field(default_factory=list)

    def url(self, service: str, instance: int = 1) -> str:
        return self.fleet.url(service, instance)

    async def pool(self, service: str) -> asyncpg.Pool:
        if service not in self.pools:
            self.pools[service] = await create_pool(
                self.fleet.databases[service], min_size=0, max_size=3
            )
        return self.pools[service]

    async def fetch(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        pool = await self.pool(service)
        rows: list[asyncpg.Record] = await pool.fetch(sql, *args)
        return rows

    async def unsent(self, service: str) -> int:
        rows = await self.fetch(service, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
        return int(rows[0]["n"])

    async def settled(self) -> None:
        """Every service's outbox is empty (what is committed has reached Kafka)."""
        for service in ("registry", "content", "marketplace", "mentoring"):

            async def empty(s: str = service) -> bool:
                return await self.unsent(s) == 0

            await eventually(empty, within=WITHIN, what=f"{service}'s outbox sent")


def ok(r: httpx.Response, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), f"{r.request.method} {r.request.url}: {r.text}"
    return r.json()


# -- load -------------------------------------------------------------------------------------


def _product(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "Keripik singkong renyah buatan ibu-ibu desa, gurih dan tahan lama.",
        "category": "makanan",
        "price_rupiah": 15000,
        "unit": "pack",
        "stock": 50,
        "photo_urls": ["https://pasar.ponorogo.go.id/foto/keripik.jpg"],
        "weight_grams": 200,
        "needs_pirt": False,
    }


@dataclass
class Load:
    """API writes across services until :meth:`stop`; every acknowledged one is recorded."""

    platform: Platform
    client: httpx.AsyncClient
    instances: Callable[[str], list[int]] = lambda service: [1]
    """Which instances of a service take writes (round robin); the test may change it."""
    kims: History = field(default_factory=History)
    listings: History = field(default_factory=History)
    failures: list[str] = field(default_factory=list)
    """Writes answered with an error status (a connection lost is indeterminate, not this)."""
    indeterminate: int = 0
    pause_s: float = 0.25
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:4])
    """In every name this load writes, so that its writes are told apart on shared topics."""
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _turn: int = 0

    @property
    def prefix(self) -> str:
        return f"KIM Uji {self.tag} "

    def _base(self, service: str) -> str:
        choices = self.instances(service)
        self._turn += 1
        return self.platform.url(service, choices[self._turn % len(choices)])

    def start(self, *, listings: bool = True) -> None:
        self._tasks = [asyncio.create_task(self._renames(k)) for k in self.platform.kims]
        if listings:
            self._tasks.append(asyncio.create_task(self._products()))

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _request(self, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, self._base(service) + path, **kw)

    async def _renames(self, kim_id: str) -> None:
        headers = self.platform.operator
        etag: str | None = None
        n = 0
        while not self._stop.is_set():
            try:
                if etag is None:
                    r = await self._request("registry", "GET", f"/kim/{kim_id}", headers=headers)
                    ok(r)
                    etag = r.headers["ETag"]
                n += 1
                name = f"{self.prefix}{kim_id[:8]} r{n}"
                r = await self._request(
                    "registry",
                    "PATCH",
                    f"/kim/{kim_id}",
                    json={"name": name},
                    headers={**headers, "If-Match": etag},
                )
            except httpx.TransportError:
                self.indeterminate += 1  # the answer is lost: the write may have committed
                etag = None
                await asyncio.sleep(0.2)
                continue
            if r.status_code == 200:
                self.kims.ack(kim_id, name)
                etag = r.headers["ETag"]
            else:
                self.failures.append(f"PATCH /kim/{kim_id}: {r.status_code} {r.text[:200]}")
                etag = None
            await asyncio.sleep(self.pause_s)

    async def _products(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                r = await self._request(
                    "marketplace",
                    "POST",
                    f"/sellers/{self.platform.seller_id}/products",
                    json=_product(f"Keripik Singkong Uji {n}"),
                    headers=self.platform.owner,
                )
                if r.status_code != 201:
                    self.failures.append(f"POST product: {r.status_code} {r.text[:200]}")
                    continue
                product_id = r.json()["id"]
                r = await self._request(
                    "marketplace", "POST", f"/products/{product_id}/submit",
                    headers=self.platform.owner,
                )  # fmt: skip
            except httpx.TransportError:
                self.indeterminate += 1
                await asyncio.sleep(0.2)
                continue
            if r.status_code == 200:
                self.listings.ack(product_id, product_id)
            else:
                self.failures.append(f"submit {product_id}: {r.status_code} {r.text[:200]}")
            await asyncio.sleep(self.pause_s)


# -- what the platform shows ------------------------------------------------------------------


async def topic_events(bootstrap: str, topic: str) -> list[tuple[str, dict[str, Any]]]:
    """``(key, CloudEvent)`` of every record of ``topic``, partition by partition, in offset
    order (copies included)."""
    out = []
    for r in await read_topic(bootstrap, topic):
        out.append(((r.key or b"").decode(), json.loads(r.value or b"{}")))
    return out


def _seen(
    events: Iterable[tuple[str, dict[str, Any]]], type_: str, op: str, among: set[str]
) -> list[Seen]:
    """The events of ``type_`` whose ``data[op]`` is one of ``among``, in topic order."""
    seen = (Seen(key, str(ce["data"][op])) for key, ce in events if ce.get("type") == type_)
    return [s for s in seen if s.op in among]


async def kim_stages(p: Platform, load: Load) -> Report:
    """KIM renames: the state topic in order (copies allowed), each projection consumer's
    inbox (every state event applied once; no application order is recorded within a batch,
    so order shows in the final state) and every KIM projection's final name."""
    history = load.kims
    state = await topic_events(p.bootstrap, REGISTRY_KIM_STATE.name)
    ours = [
        (key, ce)
        for key, ce in state
        if ce.get("type") == "kim.registry.kim_state.changed.v1"
        and str(ce["data"]["name"]).startswith(load.prefix)
    ]
    topic = [Seen(key, str(ce["data"]["name"])) for key, ce in ours]
    seen_as = {str(ce["id"]): Seen(key, str(ce["data"]["name"])) for key, ce in ours}
    kims = list(history.last_per_key())
    stages: dict[str, list[Seen]] = {}
    finals: dict[str, Mapping[str, str]] = {}
    for service in PROJECTING:
        consumer = f"{service}.projection.kim"
        applied = await p.fetch(
            service,
            "SELECT event_id::text AS id FROM inbox WHERE consumer = $1"
            " AND event_id = ANY($2::uuid[])",
            consumer,
            list(seen_as),
        )
        stages[f"{consumer} (inbox)"] = [seen_as[r["id"]] for r in applied]
        rows = await p.fetch(
            service,
            "SELECT kim_id::text AS k, name FROM kim_projection WHERE kim_id = ANY($1::uuid[])",
            kims,
        )
        finals[f"{service} kim_projection"] = {r["k"]: r["name"] for r in rows}
    return check(
        history,
        stages,
        topics={REGISTRY_KIM_STATE.name: topic},
        unordered=stages,
        finals=finals,
    )


async def listing_stages(
    p: Platform,
    history: History,
    *,
    through: tuple[str, ...] = ("content", "marketplace", "registry"),
) -> Report:
    """Listings through three services: on the listing topic (submitted, copies allowed),
    screened once by content (screenings rows), decided once (content's staged decisions,
    copies allowed on the moderation topic), published once by the marketplace (its staged
    ``listing published`` facts) and counted once in the registry's activity. ``through``
    names the services the listings are expected to reach."""
    ours = list(history.ops())
    mine = set(ours)
    stages: dict[str, list[Seen]] = {}
    topics: dict[str, list[Seen]] = {}

    def rows(records: list[asyncpg.Record]) -> list[Seen]:
        return [Seen(r["id"], r["id"]) for r in records]

    listing_events = await topic_events(p.bootstrap, MARKETPLACE_LISTING.name)
    topics[MARKETPLACE_LISTING.name] = _seen(
        listing_events, "kim.marketplace.listing.submitted.v1", "listing_id", mine
    )
    if "content" in through:
        stages["content.listing-moderation (screenings)"] = rows(
            await p.fetch(
                "content",
                "SELECT subject_id::text AS id FROM screenings WHERE subject_type = 'listing'"
                " AND subject_id = ANY($1::uuid[]) ORDER BY id",
                ours,
            )
        )
        stages["content.listing-moderation (decisions staged)"] = rows(
            await p.fetch(
                "content",
                "SELECT key AS id FROM outbox WHERE topic = $1 AND key = ANY($2::text[])"
                " ORDER BY id",
                CONTENT_MODERATION.name,
                ours,
            )
        )
        decisions = await topic_events(p.bootstrap, CONTENT_MODERATION.name)
        topics[CONTENT_MODERATION.name] = _seen(
            decisions, "kim.content.moderation.decided.v1", "subject_id", mine
        )
    if "marketplace" in through:
        stages["marketplace.listing-decisions (listing published staged)"] = rows(
            await p.fetch(
                "marketplace",
                "SELECT key AS id FROM outbox WHERE topic = $1 AND key = ANY($2::text[])"
                " AND event_type = 'kim.marketplace.listing.published.v1' ORDER BY id",
                MARKETPLACE_LISTING.name,
                ours,
            )
        )
    if "registry" in through:
        stages["registry.activity (kim_activity)"] = rows(
            await p.fetch(
                "registry",
                "SELECT source_id::text AS id FROM kim_activity WHERE kind = 'listing_published'"
                " AND source_id = ANY($1::uuid[])",
                ours,
            )
        )
    return check(history, stages, topics=topics, unordered=["registry.activity (kim_activity)"])


async def wait_clean(
    p: Platform, make: Callable[[], Any], *, within: float = WITHIN, what: str
) -> Report:
    """Poll a report until it is clean (consumers catching up); return the last one, clean or
    not (the caller asserts, so a failure shows the report)."""
    deadline = time.monotonic() + within
    while True:
        report: Report = await make()
        if report.clean or time.monotonic() > deadline:
            return report
        await asyncio.sleep(1.0)


def tell(what: str, *reports: Report) -> None:
    """Print what a test broke and what the checker counted (``pytest -s`` shows it)."""
    print(f"\n=== {what}")
    for report in reports:
        print(report)


async def group_caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """Has ``group`` committed every record of ``topic`` (lag 0 on every partition)?"""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            if (await consumer.committed(tp) or 0) < ends[tp]:
                return False
        return True
    finally:
        await consumer.stop()
