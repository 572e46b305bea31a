"""Who may write: members and officers of a KIM the registry made aktif — known from the KIM
state the registry publishes on Kafka, never from a call to the registry."""

from __future__ import annotations

import pytest

from .support import GOMBANG, MADIUN, MADIUN_DESA, PONOROGO, article_body, submit, write

pytestmark = pytest.mark.integration


async def test_a_member_of_an_aktif_kim_writes_and_submits(http, auth, registry) -> None:
    kim = await registry.kim(members={"siti": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    article = await write(http, siti, kim)
    assert (article["status"], article["current_revision"]) == ("draft", 1)
    r = await submit(http, siti, article["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "diskominfo_review"


async def test_who_may_not_write_for_a_kim(http, auth, registry, runtime) -> None:
    kim = await registry.kim(members={"siti": "anggota", "budi": "ketua"})
    await registry.kim(GOMBANG, members={"joko": "anggota"})  # joko serves another KIM

    # joko serves another KIM: not a member of this one
    r = await http.post(
        "/articles",
        json=article_body(kim),
        headers=auth("anggota_kim", sub="joko", region=PONOROGO),
    )
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (403, "not-a-member")
    # a token of another kabupaten does not even see the KIM
    r = await http.post(
        "/articles", json=article_body(kim), headers=auth("anggota_kim", sub="siti", region=MADIUN)
    )
    assert r.status_code == 404
    # a pelaku_umkm token may not write at all
    r = await http.post(
        "/articles",
        json=article_body(kim),
        headers=auth("pelaku_umkm", sub="siti", region=PONOROGO),
    )
    assert r.status_code == 403
    # an unknown KIM
    body = article_body(kim, kim_id="00000000-0000-4000-8000-000000000000")
    r = await http.post(
        "/articles", json=body, headers=auth("anggota_kim", sub="siti", region=PONOROGO)
    )
    assert r.status_code == 404

    # siti's membership ends (the registry drops her from the roster)
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    draft = await write(http, siti, kim)
    del kim.roster["siti"]
    await registry.publish(kim)
    assert (await submit(http, siti, draft["id"])).status_code == 403

    # the KIM becomes tidak_aktif, then is dissolved: its officer cannot submit
    budi = auth("pengelola_kim", sub="budi", region=PONOROGO)
    budi_draft = await write(http, budi, kim)
    kim.status = "tidak_aktif"
    await registry.publish(kim)
    r = await submit(http, budi, budi_draft["id"])
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (409, "kim-not-active")
    kim.status, kim.roster = "dibubarkan", {}
    await registry.publish(kim)
    assert (await submit(http, budi, budi_draft["id"])).status_code == 403

    async with runtime.pool.acquire() as conn:
        submitted = await conn.fetchval("SELECT count(*) FROM articles WHERE status <> 'draft'")
    assert submitted == 0


async def test_a_calon_kim_cannot_write_until_the_registry_activates_it(
    http, auth, registry
) -> None:
    kim = await registry.kim(members={"siti": "anggota"}, status="calon")
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    r = await http.post("/articles", json=article_body(kim), headers=siti)
    assert r.status_code == 409
    kim.status = "aktif"
    await registry.publish(kim)
    await write(http, siti, kim)


async def test_the_village_must_lie_in_the_kims_kecamatan_or_its_settings(
    http, auth, registry
) -> None:
    kim = await registry.kim(members={"siti": "anggota", "budi": "ketua"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    r = await http.post(
        "/articles", json=article_body(kim, village_code="35.02.11.2001"), headers=siti
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body.village_code")
    r = await http.post("/articles", json=article_body(kim, village_code=MADIUN_DESA), headers=siti)
    assert r.status_code == 422
    budi = auth("pengelola_kim", sub="budi", region=PONOROGO)
    r = await http.put(
        f"/kim/{kim.kim_id}/content-settings",
        json={"editor_review": False, "extra_villages": ["35.02.11.2001"]},
        headers=budi,
    )
    assert r.status_code == 200, r.text
    await write(http, siti, kim, village_code="35.02.11.2001")
    r = await http.put(
        f"/kim/{kim.kim_id}/content-settings",
        json={"extra_villages": [MADIUN_DESA]},
        headers=budi,
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body.extra_villages[0]")
    # a plain member may not change the settings
    r = await http.put(
        f"/kim/{kim.kim_id}/content-settings",
        json={},
        headers=auth("pengelola_kim", sub="siti", region=PONOROGO),
    )
    assert r.status_code == 404
