"""Fixtures of the portal's tests (package ``portal_tests``: unique, see the repo's note on
``tests`` packages). The portal alone answers sign-in, CSRF and role checks without asking
any service; the end-to-end tests start the four services and a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from portal_tests.browser import CHROMIUM, CHROMIUM_ARGS, Checks
from portal_tests.platform import World, world


@pytest.fixture(scope="module")
async def platform(
    pg_server: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with world(pg_server, kafka_bootstrap, tmp_path_factory.mktemp("keys")) as ready:
        yield ready


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: apt-get install chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
def checks() -> Iterator[Checks]:
    found = Checks()
    yield found
    for report in found.reports:
        print(f"page weight {report.name}: {report.weight} bytes")
