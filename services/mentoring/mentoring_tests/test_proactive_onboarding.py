"""The onboarding rule from real KimFormed events: the new KIM's officers are invited to the
kabupaten's next onboarding training, or a system help request asks for one; once per KIM,
also under duplicate delivery and replay."""

from __future__ import annotations

import pytest

from kim_devstack.standins import member
from kim_shared.events.topics import REGISTRY_KIM, REGISTRY_KIM_STATE

from .proactive_support import firings, formed, publish, publish_same_id_twice, settled
from .support import PONOROGO, TUGUREJO, count, outbox_payloads, put_expert
from .trainings_support import schedule

pytestmark = pytest.mark.integration


async def test_formed_kim_is_invited_to_the_next_onboarding_training_once(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    await schedule(http, auth, title="Diklat Fotografi KIM Ponorogo", skill="fotografi")
    onboarding = await schedule(
        http, auth, title="Orientasi KIM Baru Ponorogo", onboarding=True, capacity=30
    )
    assert onboarding["onboarding"] is True
    kim = await registry.kim(
        TUGUREJO, {"ani": "ketua", "budi": "sekretaris", "eko": "anggota"}, status="calon"
    )
    event = formed(kim)

    await publish_same_id_twice(kafka_bootstrap, "registry", event)  # a duplicate delivery
    await publish(kafka_bootstrap, "registry", event)  # the same formation, a new event id
    await settled(runtime, REGISTRY_KIM)

    [firing] = await firings(runtime, "onboarding")
    assert str(firing["training_id"]) == onboarding["id"]
    assert firing["request_id"] is None
    assert await count(runtime, "training_invitations") == 1
    assert await count(runtime, "help_requests") == 0
    invited = [
        p
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.mentoring.training.invited.v1"
    ]
    assert [p["data"] for p in invited] == [
        {
            "training_id": onboarding["id"],
            "kim_id": str(kim.kim_id),
            "officers": 2,
            "invited_at": invited[0]["data"]["invited_at"],
        }
    ]

    ani = auth("pengelola_kim", sub="ani", region=PONOROGO)
    r = await http.get(f"/kim/{kim.kim_id}/invitations", headers=ani)
    assert r.status_code == 200, r.text
    [invitation] = r.json()
    assert invitation["training_id"] == onboarding["id"]
    assert invitation["title"] == "Orientasi KIM Baru Ponorogo"
    assert (invitation["officers_invited"], invitation["you_were_invited"]) == (2, True)
    operator = auth("operator_kabupaten", region=PONOROGO)
    assert len((await http.get(f"/kim/{kim.kim_id}/invitations", headers=operator)).json()) == 1
    # A plain member is not an officer, another kabupaten's operator does not see the KIM.
    eko = auth("anggota_kim", sub="eko", region=PONOROGO)
    assert (await http.get(f"/kim/{kim.kim_id}/invitations", headers=eko)).status_code == 404
    madiun = auth("operator_kabupaten", region="35.19")
    assert (await http.get(f"/kim/{kim.kim_id}/invitations", headers=madiun)).status_code == 404


async def test_without_an_onboarding_training_a_system_request_asks_for_one(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    await put_expert(http, auth, "ahli-ponorogo", skills=["jurnalistik"], weekly_capacity=5)
    await schedule(http, auth)  # a training, but not an onboarding one
    kim = await registry.kim(TUGUREJO, {"ani": "ketua"}, status="calon")
    event = formed(kim)

    await publish_same_id_twice(kafka_bootstrap, "registry", event)
    await publish(kafka_bootstrap, "registry", event)
    await settled(runtime, REGISTRY_KIM)

    [firing] = await firings(runtime, "onboarding")
    assert firing["training_id"] is None
    assert await count(runtime, "help_requests") == 1
    assert await count(runtime, "training_invitations") == 0
    operator = auth("operator_kabupaten", region=PONOROGO)
    r = await http.get(f"/help-requests/{firing['request_id']}", headers=operator)
    assert r.status_code == 200, r.text
    request = r.json()
    assert (request["origin"], request["rule"]) == ("system", "onboarding")
    assert (request["kim_id"], request["skill"]) == (str(kim.kim_id), "jurnalistik")
    assert "orientasi" in request["description"]
    # The same command path as a member's request: assigned at once to an expert with room.
    assert (request["status"], request["expert_subject"]) == ("assigned", "ahli-ponorogo")
    [opened] = [
        p["data"]
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.mentoring.request.opened.v1"
    ]
    assert (opened["origin"], opened["rule"]) == ("system", "onboarding")
    assert not {"description", "opened_by"} & set(opened)


async def test_officers_who_join_after_the_formation_are_invited_once(
    http, auth, registry, runtime, kafka_bootstrap
) -> None:
    onboarding = await schedule(http, auth, title="Orientasi KIM Baru Ponorogo", onboarding=True)
    kim = await registry.kim(TUGUREJO, {}, status="calon")  # formed: no roster yet
    await publish(kafka_bootstrap, "registry", formed(kim))
    await settled(runtime, REGISTRY_KIM)
    ani = auth("pengelola_kim", sub="ani", region=PONOROGO)
    assert (await http.get(f"/kim/{kim.kim_id}/invitations", headers=ani)).status_code == 404

    kim.roster["ani"] = member("ani", "ketua")
    kim.roster["eko"] = member("eko", "anggota")
    await registry.publish(kim)  # the registry adds the pengurus after the formation
    await publish(kafka_bootstrap, "registry", kim.event())  # and changes the KIM again
    await settled(runtime, REGISTRY_KIM_STATE)

    [invitation] = (await http.get(f"/kim/{kim.kim_id}/invitations", headers=ani)).json()
    assert invitation["training_id"] == onboarding["id"]
    assert (invitation["officers_invited"], invitation["you_were_invited"]) == (1, True)
    invited = [
        p["data"]["officers"]
        for p in await outbox_payloads(runtime)
        if p["type"] == "kim.mentoring.training.invited.v1"
    ]
    assert invited == [0, 1]  # at the formation, then ani once; eko is no officer
