"""``kim up``: start Kafka, PostgreSQL and the four services in the foreground.

Used by ``make run``. Prints where everything is, runs the post-start steps
that services register (entry-point group ``kim.seeders``, e.g. the registry's
region import), and stops everything cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from importlib.metadata import entry_points
from types import FrameType
from typing import Any

from kim_devstack.paths import state_dir
from kim_devstack.process import StartupError
from kim_devstack.services import (
    ServiceDef,
    ServiceProcess,
    portal_at,
    portal_env,
    services_at,
)
from kim_devstack.stack import RUN_PORTS, Stack
from kim_shared.events.topics import declared_topics
from kim_shared.kafka import ensure_topics


def _say(message: str) -> None:
    print(f"[kim] {message}", flush=True)


def _service_env(stack: Stack, services: tuple[ServiceDef, ...]) -> dict[str, str]:
    env = {"KIM_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap}
    for svc in services:
        var = f"KIM_{svc.name.upper()}_DATABASE_URL"
        env[var] = os.environ.get(var) or stack.database_url(svc.database)
    return env


def _banner(stack: Stack, services: tuple[ServiceDef, ...], portal: ServiceDef) -> str:
    lines = ["", "Platform KIM berjalan. Alamat layanan:", ""]
    lines.append(f"  {'portal':<12} {portal.url}   (masuk pengembangan: {portal.url}/masuk)")
    for svc in services:
        lines.append(
            f"  {svc.name:<12} {svc.url}   Swagger UI: {svc.url}/docs   "
            f"AsyncAPI: {svc.url}/asyncapi"
        )
    lines += [
        "",
        f"  Kafka        {stack.kafka_bootstrap}",
        f"  PostgreSQL   {stack.postgres_url}",
        "",
        "  Token pengembangan: uv run kim token --sub operator --role operator_kabupaten "
        "--region 35.02",
        "  Surat mati (dead letter): uv run kim dlq list",
        f"  Log: {state_dir('run')}/logs",
        "",
        "Tekan Ctrl-C untuk menghentikan semuanya.",
    ]
    return "\n".join(lines)


def _run_seeders(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Post-start steps services register as ``seed(args, env)`` (entry points ``kim.seeders``)."""
    for ep in sorted(entry_points(group="kim.seeders"), key=lambda e: e.name):
        _say(f"menjalankan langkah awal: {ep.name}")
        seeder: Any = ep.load()
        seeder(args, env)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_up(args: argparse.Namespace) -> int:
    # Ctrl-C and SIGTERM both end in the ``finally`` below. SIGINT is set explicitly:
    # a shell starting us in the background would otherwise leave it ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(name="run", ports=RUN_PORTS)
    defs = services_at(args.base_port)
    services: list[ServiceProcess] = []
    try:
        _say("menyalakan PostgreSQL dan Kafka …")
        stack.start()
        asyncio.run(ensure_topics(stack.kafka_bootstrap, declared_topics()))
        env = _service_env(stack, defs)
        log_dir = state_dir("run") / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for svc in defs:
            _say(f"menyalakan layanan {svc.name} di {svc.url} …")
            services.append(ServiceProcess(svc, env, log_dir))
        for proc in services:
            proc.wait_ready()
        portal = portal_at(args.base_port)
        _say(f"menyalakan portal di {portal.url} …")
        services.append(ServiceProcess(portal, portal_env(defs), log_dir))
        services[-1].wait_ready()
        if not args.no_seed:
            _run_seeders(args, env)
        print(_banner(stack, defs, portal), flush=True)
        while True:
            dead = [p.service.name for p in services if not p.alive()]
            if dead:
                _say(f"layanan berhenti tak terduga: {', '.join(dead)} (lihat log)")
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    except StartupError as exc:
        _say(f"gagal menyalakan: {exc}")
        return 1
    finally:
        # A second Ctrl-C must not leave Kafka or PostgreSQL running: stop() has its own timeouts.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _say("menghentikan layanan, Kafka dan PostgreSQL …")
        for proc in reversed(services):
            proc.stop()
        stack.stop()
        _say("selesai.")


def register(sub: Any) -> None:
    up = sub.add_parser(
        "up", help="Nyalakan Kafka, PostgreSQL, keempat layanan dan portal (make run)."
    )
    up.add_argument("--no-seed", action="store_true", help="Lewati langkah awal (impor wilayah).")
    up.add_argument(
        "--base-port",
        type=int,
        default=8000,
        help="Portal di port dasar, layanan di dasar+1 … +4 (default 8000).",
    )
    up.add_argument(
        "--scope", default="35", help="Kode wilayah yang diimpor saat awal (default 35)."
    )
    up.set_defaults(func=run_up)
