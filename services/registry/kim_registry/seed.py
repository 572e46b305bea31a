"""``make run`` seeder: load the Kemendagri regions of ``--scope`` (default Jawa Timur).

Registered as the ``regions`` entry of the ``kim.seeders`` entry-point group;
``kim up`` calls :func:`seed` once the services are ready, with their
environment. The import goes through the outbox like every other change, so the
running registry's relay publishes the snapshots to ``kim.registry.region.v1``;
re-running it (every ``make run``) changes and publishes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from kim_registry.regions.cli import import_into, scope_error, summary
from kim_registry.regions.domain import UnknownScope, validate_scope

DEFAULT_SCOPE = "35"  # Jawa Timur: 8,494 desa and kelurahan
DATABASE_URL_VAR = "KIM_REGISTRY_DATABASE_URL"


def seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Import ``args.scope`` into the registry database ``env[KIM_REGISTRY_DATABASE_URL]``
    and print one line with the counts (Bahasa Indonesia)."""
    scope = str(getattr(args, "scope", None) or DEFAULT_SCOPE).strip()
    try:
        scope = validate_scope(scope)
    except UnknownScope:
        print(f"[kim] wilayah tidak diimpor: {scope_error(scope)}", flush=True)
        return
    started = time.perf_counter()
    result = asyncio.run(import_into(env[DATABASE_URL_VAR], scope))
    print(f"[kim] {summary(result, time.perf_counter() - started)}", flush=True)
