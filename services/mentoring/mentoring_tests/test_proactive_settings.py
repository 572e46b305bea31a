"""Proactive rules per kabupaten: the defaults, a change by its operator (If-Match), bad
input as specific 422 problems with nothing stored, other tenants 404, and disabled rules
that do not fire from real events."""

from __future__ import annotations

from typing import Any

import pytest

from kim_shared.events.topics import CONTENT_ARTICLE, REGISTRY_EVALUATION, REGISTRY_KIM

from .proactive_support import (
    evaluated,
    formed,
    publish,
    rejected,
    settings_body,
    settled,
)
from .support import MADIUN, PONOROGO, TUGUREJO, count

pytestmark = pytest.mark.integration

URL = f"/proactive-rules/{PONOROGO}"


async def test_defaults_then_a_change_by_the_kabupatens_operator(http, auth, registry) -> None:
    operator = auth("operator_kabupaten", sub="op-ponorogo", region=PONOROGO)
    r = await http.get(URL, headers=operator)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"0"'
    defaults = r.json()
    assert defaults["is_default"] is True
    assert defaults["rejected_articles"]["threshold"] == 3
    assert defaults["rejected_articles"]["window_days"] == 30
    skills = defaults["rejected_articles"]["skill_by_reason"]
    assert skills["data_pribadi"] == skills["hoaks"] == skills["kualitas"] == "jurnalistik"
    assert skills["anak"] == "fotografi"
    assert skills["permintaan_kim"] is None

    body = settings_body(
        rejected_articles={"threshold": 5, "window_days": 14, "skill_by_reason": {"spam": None}},
        lowest_band={"skill": "media_sosial"},
    )
    assert (await http.put(URL, json=body, headers=operator)).status_code == 428
    saved = await http.put(URL, json=body, headers={**operator, "If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == '"1"'
    view = saved.json()
    assert (view["version"], view["is_default"], view["updated_by"]) == (1, False, "op-ponorogo")
    assert view["rejected_articles"]["threshold"] == 5
    assert view["rejected_articles"]["skill_by_reason"]["spam"] is None
    assert view["rejected_articles"]["skill_by_reason"]["anak"] == "fotografi"  # default kept
    assert view["lowest_band"]["skill"] == "media_sosial"
    assert (await http.get(URL, headers=operator)).json() == view
    stale = await http.put(URL, json=body, headers={**operator, "If-Match": '"0"'})
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"rejected_articles": {"threshold": 0}}, "threshold"),
        ({"rejected_articles": {"window_days": 366}}, "window_days"),
        ({"rejected_articles": {"window_days": 0}}, "window_days"),
        ({"lowest_band": {"skill": "memasak"}}, "skill"),
        ({"rejected_articles": {"skill_by_reason": {"hoaks": "memasak"}}}, "hoaks"),
        ({"rejected_articles": {"skill_by_reason": {"bukan_alasan": "desain"}}}, "bukan_alasan"),
    ],
)
async def test_bad_settings_are_422_problems_and_nothing_is_stored(
    http, auth, registry, runtime, changes: dict[str, Any], pointer: str
) -> None:
    operator = auth("operator_kabupaten", region=PONOROGO)
    r = await http.put(URL, json=settings_body(**changes), headers={**operator, "If-Match": '"0"'})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert pointer in r.text
    assert await count(runtime, "proactive_settings") == 0


async def test_other_tenants_and_unknown_kabupaten_are_404(http, auth, registry) -> None:
    madiun = auth("operator_kabupaten", region=MADIUN)
    assert (await http.get(URL, headers=madiun)).status_code == 404
    put = await http.put(URL, json=settings_body(), headers={**madiun, "If-Match": '"0"'})
    assert put.status_code == 404
    nowhere = auth("operator_kabupaten", region="35.99")
    assert (await http.get("/proactive-rules/35.99", headers=nowhere)).status_code == 404
    member = auth("anggota_kim", sub="warga", region=PONOROGO)
    assert (await http.get(URL, headers=member)).status_code in (403, 404)


async def test_disabled_rules_do_not_fire(http, auth, registry, runtime, kafka_bootstrap) -> None:
    operator = auth("operator_kabupaten", region=PONOROGO)
    off = settings_body(
        onboarding={"enabled": False},
        rejected_articles={"enabled": False},
        lowest_band={"enabled": False},
    )
    r = await http.put(URL, json=off, headers={**operator, "If-Match": '"0"'})
    assert r.status_code == 200, r.text
    kim = await registry.kim(TUGUREJO, {"ani": "ketua"})
    await publish(kafka_bootstrap, "registry", formed(kim), evaluated(kim.kim_id, "kurang"))
    await publish(kafka_bootstrap, "content", *(rejected(kim.kim_id, "hoaks") for _ in range(4)))
    await settled(runtime, REGISTRY_KIM, REGISTRY_EVALUATION, CONTENT_ARTICLE)
    assert await count(runtime, "proactive_rejections") == 4  # handled, recorded, not acted on
    assert await count(runtime, "proactive_firings") == 0
    assert await count(runtime, "help_requests") == 0
    assert await count(runtime, "training_invitations") == 0
