"""The four real services (in-process, real lifespans, fresh databases, the session's
broker) and the portal in front of them, served by uvicorn on a free local port so that a
browser can open it. The world the journeys start from is set up through the services' APIs:
Ponorogo's regions, an aktif KIM with its officers, and a live UMKM product."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from kim_devstack.registry_api import TUGUREJO, form_aktif_kim
from kim_devstack.testing import Running, eventually, running_services
from kim_devstack.tokens import bearer
from kim_portal.main import create_app
from kim_portal.settings import PortalSettings
from kim_shared.projections.kim import get_kim
from kim_shared.service import Runtime

PONOROGO = "35.02"
WITHIN = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


@dataclass
class World:
    url: str
    services: dict[str, Running]
    kim_id: str
    product_id: str
    seller_id: str

    def runtime(self, name: str) -> Runtime:
        return self.services[name][1]

    def http(self, name: str) -> httpx.AsyncClient:
        return self.services[name][0]


@contextlib.asynccontextmanager
async def serving(app: Any, *, port: int | None = None) -> AsyncIterator[str]:
    """``app`` served by uvicorn in this event loop (on a free local port unless ``port``
    is given); its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def serving_portal(keys: Path, services: dict[str, Running]) -> AsyncIterator[str]:
    settings = PortalSettings(auth_dev_key_dir=str(keys), public_cache_s=0)
    app = create_app(settings, http_clients={name: svc[0] for name, svc in services.items()})
    async with serving(app) as url:
        yield url


def _aktif_in(runtime: Runtime, kim_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with runtime.pool.acquire() as conn:
            found = await get_kim(conn, uuid.UUID(kim_id))
            return found is not None and found.state.status == "aktif"

    return check


async def live_product(market: httpx.AsyncClient, runtime: Runtime) -> tuple[str, str]:
    owner = bearer(runtime.settings, "pelaku_umkm", region=PONOROGO, sub="bu-sri")
    seller = ok(
        await market.post(
            "/sellers",
            json={
                "business_name": "Sambel Pecel Bu Sri",
                "owner_name": "Sri Wahyuningsih",
                "village_code": TUGUREJO,
                "address": "Jl. Raya Slahung No. 17 RT 02 RW 01",
                "whatsapp": "0812-3456-7890",
                "business_category": "makanan_minuman",
            },
            headers=owner,
        )
    )
    product = ok(
        await market.post(
            f"/sellers/{seller['id']}/products",
            json={
                "name": "Sambel Pecel Khas Ponorogo",
                "description": "Sambel pecel dari kacang tanah pilihan, pedas sedang.",
                "category": "makanan",
                "price_rupiah": 25000,
                "unit": "pack",
                "stock": 40,
            },
            headers=owner,
        )
    )
    ok(await market.post(f"/products/{product['id']}/submit", headers=owner))

    async def live() -> bool:
        got = ok(await market.get(f"/products/{product['id']}", headers=owner))
        return bool(got["status"] == "live")

    await eventually(live, within=WITHIN, what="the product's listing going live")
    return str(seller["id"]), str(product["id"])


async def scheduled_training(mentoring: httpx.AsyncClient, runtime: Runtime) -> str:
    """Tuesday and Wednesday 10-11 November 2026: working days, and past, so that attendance
    can be recorded (the service refuses it for a day that has not come)."""
    op = bearer(runtime.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo")
    training = ok(
        await mentoring.post(
            "/trainings",
            json={
                "title": "Diklat Jurnalistik Dasar KIM Ponorogo",
                "skill": "jurnalistik",
                "level": "dasar",
                "kabupaten_code": PONOROGO,
                "venue": "Aula Diskominfo Ponorogo",
                "starts_on": "2026-11-10",
                "ends_on": "2026-11-11",
                "capacity": 20,
                "waitlist": True,
                "audience": "KIM baru",
            },
            headers=op,
        )
    )
    return str(training["id"])


@contextlib.asynccontextmanager
async def world(pg_server: str, bootstrap: str, keys: Path) -> AsyncIterator[World]:
    names = ("registry", "content", "marketplace", "mentoring")
    async with running_services(pg_server, bootstrap, keys, *names) as services:
        registry_http, registry = services["registry"]
        op = bearer(registry.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo")
        # through the registry's API: the portal's tests import no service's package
        ok(await registry_http.post("/regions/imports", json={"scope": PONOROGO}, headers=op))
        kim_id = str(await form_aktif_kim(registry_http, op))
        for name in ("content", "marketplace", "mentoring"):
            await eventually(
                _aktif_in(services[name][1], kim_id), within=WITHIN, what=f"the KIM in {name}"
            )
        seller_id, product_id = await live_product(*services["marketplace"])
        await scheduled_training(*services["mentoring"])
        async with serving_portal(keys, services) as url:
            yield World(url, services, kim_id, product_id, seller_id)
