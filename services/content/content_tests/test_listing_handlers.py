"""The listing pipeline and the kabupaten policy at the handler level: a migrated database,
one rolled-back transaction per test, no HTTP and no Kafka (the staged outbox rows are the
events)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from kim_content.articles.steps import Actor
from kim_content.main import SPEC
from kim_content.moderation import policy
from kim_content.moderation.listings import decide_listing, on_listing_submitted
from kim_content.screening.watchwords import WatchedWord
from kim_shared.db import Connection
from kim_shared.db.migrations import apply_migrations
from kim_shared.db.pool import create_pool
from kim_shared.errors import Conflict, StaleVersion
from kim_shared.inbox.errors import PermanentError
from kim_shared.outbox import EventSource

from .listings_support import listing
from .support import MADIUN, MADIUN_DESA, PONOROGO

pytestmark = pytest.mark.integration

SOURCE = EventSource("content")
RINA = Actor("rina", "operator_kabupaten")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
async def conn(fresh_db: str) -> AsyncIterator[Connection]:
    pool = await create_pool(fresh_db, min_size=1, max_size=2)
    try:
        async with pool.acquire() as c:
            await apply_migrations(c, "content", SPEC.migrations, mounted=SPEC.mounted_migrations)
            tx = c.transaction()
            await tx.start()
            try:
                yield c
            finally:
                await tx.rollback()
    finally:
        await pool.close()


async def staged(conn: Connection, listing_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT payload FROM outbox WHERE key = $1 ORDER BY id", str(listing_id)
    )
    return [json.loads(bytes(r["payload"]))["data"] for r in rows]


async def open_case(conn: Connection, listing_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, revision, deadline FROM moderation_cases"
        " WHERE subject_id = $1 AND status = 'open'",
        listing_id,
    )
    return row


async def test_a_newer_revision_replaces_what_waits_for_a_moderator(conn) -> None:
    listing_id = uuid.uuid4()
    first = listing(listing_id=listing_id, description="Bonus kupon togel tiap pembelian.")
    await on_listing_submitted(conn, first, source=SOURCE, now=NOW)
    case = await open_case(conn, listing_id)
    assert case is not None
    assert case["revision"] == 1
    assert case["deadline"] == NOW + timedelta(hours=24)
    assert await staged(conn, listing_id) == []

    # the seller revises with another borderline text: the same case, now about revision 2
    second = listing(listing_id=listing_id, revision=2, description="Hadiah kupon togel.")
    await on_listing_submitted(conn, second, source=SOURCE, now=NOW + timedelta(hours=1))
    again = await open_case(conn, listing_id)
    assert again is not None
    assert (again["id"], again["revision"]) == (case["id"], 2)

    # a clean revision 3 is approved automatically and closes the case
    third = listing(listing_id=listing_id, revision=3)
    await on_listing_submitted(conn, third, source=SOURCE, now=NOW + timedelta(hours=2))
    assert await open_case(conn, listing_id) is None
    (decided,) = await staged(conn, listing_id)
    assert (decided["subject_revision"], decided["decision"], decided["automatic"]) == (
        3,
        "approved",
        True,
    )
    # the case cannot be decided any more
    with pytest.raises(Conflict):
        await decide_listing(conn, SOURCE, case["id"], True, None, RINA, NOW)

    # revision 2 arriving late changes nothing
    await on_listing_submitted(conn, second, source=SOURCE, now=NOW + timedelta(hours=3))
    row = await conn.fetchrow(
        "SELECT revision, status FROM listings_under_review WHERE listing_id = $1", listing_id
    )
    assert (row["revision"], row["status"]) == (3, "approved")
    assert len(await staged(conn, listing_id)) == 1


async def test_a_kabupatens_words_apply_to_its_listings_only(conn) -> None:
    judi = WatchedWord(word="Judi", action="block", category="judi")
    stored, version = await policy.put_word(conn, PONOROGO, judi, actor=RINA, now=NOW)
    assert (stored.word, version) == ("judi", 1)
    assert (await policy.policy_of(conn, PONOROGO)).own is True
    assert (await policy.policy_of(conn, MADIUN)).own is False

    text = "Ada yang ajak main j.u.d.i di grup, hati-hati."
    here = listing(description=text)
    there = listing(description=text, village=MADIUN_DESA)
    for event in (here, there):
        await on_listing_submitted(conn, event, source=SOURCE, now=NOW)
    (decided,) = await staged(conn, here.listing_id)
    assert (decided["decision"], decided["reason_code"]) == ("rejected", "judi_pinjol")
    assert await staged(conn, there.listing_id) == []
    assert await open_case(conn, there.listing_id) is not None

    with pytest.raises(StaleVersion):
        await policy.delete_word(conn, PONOROGO, "judi", actor=RINA, now=NOW, expected={0})


async def test_a_listing_outside_its_kabupaten_is_refused(conn) -> None:
    event = listing(village=MADIUN_DESA).model_copy(update={"kabupaten_code": PONOROGO})
    with pytest.raises(PermanentError):
        await on_listing_submitted(conn, event, source=SOURCE, now=NOW)


async def test_a_platform_rule_added_later_reaches_a_kabupaten_with_its_own_policy(conn) -> None:
    change = policy.RuleChange(enabled=False)
    await policy.change_rule(conn, PONOROGO, "spam.links", change, actor=RINA, now=NOW)
    # as if spam.shouting had been added to the platform defaults after Ponorogo's copy
    await conn.execute(
        "DELETE FROM screening_rules WHERE kabupaten_code = $1 AND rule_id = 'spam.shouting'",
        PONOROGO,
    )
    rules = {r.id: r for r in (await policy.policy_of(conn, PONOROGO)).rules}
    assert (rules["spam.links"].enabled, rules["spam.shouting"].enabled) == (False, True)
    tuned, _ = await policy.change_rule(
        conn, PONOROGO, "spam.shouting", policy.RuleChange(action="review"), actor=RINA, now=NOW
    )
    assert tuned.action == "review"
    assert (await policy.rule(conn, PONOROGO, "spam.shouting")).action == "review"
