"""``kim demo``: the journey against a running ``make run`` (services on 8001-8004)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from contextlib import AsyncExitStack

import httpx

from kim_devstack.demo.client import JourneyFailed, Platform
from kim_devstack.demo.journey import Journey
from kim_devstack.services import services_at
from kim_devstack.tokens import bearer
from kim_shared.settings import ServiceSettings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo",
        help="Jalankan perjalanan lengkap platform terhadap `make run` yang sedang berjalan.",
        description=(
            "Mengimpor Ponorogo, membentuk KIM, menerbitkan berita, menjual sambel pecel, "
            "pendampingan, diklat dan evaluasi lewat API publik keempat layanan; setiap "
            "langkah dicetak dengan id yang dibuatnya."
        ),
    )
    parser.add_argument(
        "--base-port", type=int, default=8000, help="Layanan di port dasar+1 … +4 (default 8000)."
    )
    parser.add_argument(
        "--within",
        type=float,
        default=90.0,
        help="Batas tunggu (detik) untuk efek yang melewati Kafka (default 90).",
    )
    parser.set_defaults(func=run_demo)


async def _run(args: argparse.Namespace) -> int:
    urls = {s.name: f"http://127.0.0.1:{s.port}" for s in services_at(args.base_port)}
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
            for name, url in urls.items()
        }
        platform = Platform(
            registry=clients["registry"],
            content=clients["content"],
            marketplace=clients["marketplace"],
            mentoring=clients["mentoring"],
            token=functools.partial(bearer, ServiceSettings()),
            say=lambda text: print(text, flush=True),
            within=args.within,
        )
        try:
            created = await Journey(platform).run()
        except httpx.ConnectError as exc:
            print(f"kim demo: layanan tidak dapat dihubungi ({exc}); jalankan `make run` dulu.")
            return 1
        except JourneyFailed as exc:
            print(f"kim demo: GAGAL — {exc}", file=sys.stderr)
            return 1
    print("Id yang dibuat:")
    for what, value in created.items():
        print(f"  {what}: {value}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
