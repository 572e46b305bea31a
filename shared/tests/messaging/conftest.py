"""Fixtures of the messaging kit's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from kim_shared.kafka import Producer

from .support import EFFECTS_DDL, SHAPES, Shape


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[Producer]:
    p = Producer(kafka_bootstrap)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def effects_pool(kit_pool: asyncpg.Pool) -> asyncpg.Pool:
    await kit_pool.execute(EFFECTS_DDL)
    return kit_pool


@pytest.fixture(params=SHAPES)
def shape(request: pytest.FixtureRequest) -> Shape:
    """Run the test with per-event handlers and with a batch handler."""
    shape: Shape = request.param
    return shape
