"""The lowest-band rule from real KimEvaluated events: a mentoring plan (a system help
request and the next training of the skill as a suggestion), once per KIM and period, also
under duplicate delivery and a re-published evaluation; other bands make no plan."""

from __future__ import annotations

import pytest

from kim_shared.events.topics import REGISTRY_EVALUATION

from .proactive_support import evaluated, firings, publish, publish_same_id_twice, settled
from .support import PONOROGO, TUGUREJO, count
from .trainings_support import schedule

pytestmark = pytest.mark.integration


async def test_lowest_band_makes_one_mentoring_plan_per_period(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    training = await schedule(http, auth, title="Diklat Jurnalistik Dasar KIM Ponorogo")
    await schedule(http, auth, title="Diklat Desain Grafis KIM Ponorogo", skill="desain")
    kim = await registry.kim(TUGUREJO, {"ani": "ketua", "eko": "anggota"})
    low = evaluated(kim.kim_id, "kurang")

    await publish_same_id_twice(kafka_bootstrap, "registry", low)
    corrected = low.model_copy(update={"score": 33.0})  # re-published for the same period
    await publish(kafka_bootstrap, "registry", corrected, evaluated(kim.kim_id, "cukup"))
    await settled(runtime, REGISTRY_EVALUATION)

    [firing] = await firings(runtime, "lowest_band")
    assert firing["period_id"] == low.period_id
    assert await count(runtime, "help_requests") == 1

    eko = auth("anggota_kim", sub="eko", region=PONOROGO)
    r = await http.get(f"/kim/{kim.kim_id}/mentoring-plans", headers=eko)
    assert r.status_code == 200, r.text
    [plan] = r.json()
    assert (plan["band"], plan["period_id"]) == ("kurang", str(low.period_id))
    assert plan["suggested_training_id"] == training["id"]
    assert plan["suggested_training_title"] == "Diklat Jurnalistik Dasar KIM Ponorogo"
    assert (plan["skill"], plan["request_status"]) == ("jurnalistik", "requested")
    request = (await http.get(f"/help-requests/{plan['request_id']}", headers=eko)).json()
    assert (request["origin"], request["rule"]) == ("system", "lowest_band")
    assert "Diklat Jurnalistik Dasar KIM Ponorogo" in request["description"]

    # The next period in the lowest band again is a new cause: a second plan.
    await publish(kafka_bootstrap, "registry", evaluated(kim.kim_id, "kurang"))
    await settled(runtime, REGISTRY_EVALUATION)
    assert len(await firings(runtime, "lowest_band")) == 2
    stranger = auth("anggota_kim", sub="orang-lain", region=PONOROGO)
    r = await http.get(f"/kim/{kim.kim_id}/mentoring-plans", headers=stranger)
    assert r.status_code == 404
