"""A kabupaten's screening policy as data: its moderation staff add watched words and tune
rules, content screens that kabupaten's articles and listings with them, other kabupaten
are unaffected, and every change is in the audit with who made it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .listings_support import listing, screened, submit_listings
from .support import MADIUN, MADIUN_DESA, PONOROGO, write

pytestmark = pytest.mark.integration


WORDS = f"/moderation/policy/{PONOROGO}/words"
RULES = f"/moderation/policy/{PONOROGO}/rules"
CHANGES = f"/moderation/policy/{PONOROGO}/changes"
OBFUSCATED = "Warga diajak main j u d i lewat grup WhatsApp, hati-hati penipuan."


async def test_a_blocked_word_blocks_only_that_kabupatens_listings_and_articles(
    http, auth, registry, runtime, kafka_bootstrap, decisions
) -> None:
    rina = auth("operator_kabupaten", sub="rina", region=PONOROGO)
    r = await http.put(f"{WORDS}/JUDI", json={"action": "block", "category": "judi"}, headers=rina)
    assert r.status_code == 200, r.text
    assert r.json() == {"word": "judi", "action": "block", "category": "judi", "affixes": True}

    mine = (await http.get(WORDS, headers=rina)).json()
    assert mine["own"] is True
    by_word = {w["word"]: w["action"] for w in mine["items"]}
    assert (by_word["judi"], by_word["slot gacor"]) == ("block", "block")  # seeds kept
    madiun = auth("operator_kabupaten", sub="agus", region=MADIUN)
    theirs = (await http.get(f"/moderation/policy/{MADIUN}/words", headers=madiun)).json()
    assert theirs["own"] is False
    assert {w["word"]: w["action"] for w in theirs["items"]}["judi"] == "review"

    # listings: blocked in Ponorogo, left to a moderator in Madiun
    here = listing(description=OBFUSCATED)
    there = listing(description=OBFUSCATED, village=MADIUN_DESA)
    await submit_listings(kafka_bootstrap, here, there)
    (ce,) = await decisions.of(here.listing_id)
    assert (ce.data["decision"], ce.data["reason_code"]) == ("rejected", "judi_pinjol")
    assert (await screened(runtime, there.listing_id))["status"] == "in_review"

    # articles likewise
    kim = await registry.kim(members={"siti": "anggota"})
    madiun_kim = await registry.kim(MADIUN_DESA, members={"joko": "anggota"})
    siti = auth("anggota_kim", sub="siti", region=PONOROGO)
    joko = auth("anggota_kim", sub="joko", region=MADIUN)
    blocked = await write(http, siti, kim, body=OBFUSCATED)
    reviewed = await write(http, joko, madiun_kim, body=OBFUSCATED)
    r = await http.post(f"/articles/{blocked['id']}/submit", headers=siti)
    assert (r.status_code, r.json()["status"]) == (200, "rejected"), r.text
    r = await http.post(f"/articles/{reviewed['id']}/submit", headers=joko)
    assert (r.status_code, r.json()["status"]) == (200, "diskominfo_review"), r.text

    audit = (await http.get(CHANGES, headers=rina)).json()["items"]
    assert len(audit) == 1
    change = audit[0]
    assert (change["target"], change["key"], change["actor"], change["actor_role"]) == (
        "word",
        "judi",
        "rina",
        "operator_kabupaten",
    )
    assert (change["before"]["action"], change["after"]["action"]) == ("review", "block")
    assert (await http.get(f"/moderation/policy/{MADIUN}/changes", headers=madiun)).json()[
        "items"
    ] == []

    # taking the word off the list: recorded too, and the word is no longer watched
    r = await http.delete(f"{WORDS}/judi", headers=rina)
    assert r.status_code == 204, r.text
    audit = (await http.get(CHANGES, headers=rina)).json()["items"]
    assert (audit[0]["key"], audit[0]["after"], len(audit)) == ("judi", None, 2)
    assert "judi" not in {w["word"] for w in (await http.get(WORDS, headers=rina)).json()["items"]}
    assert (await http.delete(f"{WORDS}/judi", headers=rina)).status_code == 404


async def test_a_rule_is_tuned_and_disabled_with_params_checked(
    http, auth, registry, runtime, kafka_bootstrap, decisions
) -> None:
    rina = auth("operator_kabupaten", sub="rina", region=PONOROGO)
    rule = await http.get(f"{RULES}/spam.unknown_domain", headers=rina)
    assert rule.status_code == 200, rule.text
    assert (rule.json()["kind"], rule.json()["enabled"]) == ("unknown_domain", True)
    domains = [*rule.json()["params"]["allowed_domains"], "pasarkita.id"]
    r = await http.patch(
        f"{RULES}/spam.unknown_domain",
        json={"params": {"allowed_domains": domains}},
        headers=rina,
    )
    assert r.status_code == 200, r.text
    assert r.json()["params"]["allowed_domains"][-1] == "pasarkita.id"
    r = await http.patch(f"{RULES}/spam.shouting", json={"enabled": False}, headers=rina)
    assert (r.status_code, r.json()["enabled"]) == (200, False)

    ok = listing(photo_urls=["https://pasarkita.id/foto/keripik.jpg"])
    await submit_listings(kafka_bootstrap, ok)
    (ce,) = await decisions.of(ok.listing_id)
    assert ce.data["decision"] == "approved"

    rules = (await http.get(RULES, headers=rina)).json()
    assert rules["own"] is True
    assert {x["id"]: x["enabled"] for x in rules["items"]}["spam.shouting"] is False
    audit = (await http.get(CHANGES, headers=rina)).json()["items"]
    assert [(c["target"], c["key"]) for c in audit] == [
        ("rule", "spam.shouting"),
        ("rule", "spam.unknown_domain"),
    ]
    assert (audit[0]["before"]["enabled"], audit[0]["after"]["enabled"]) == (True, False)


async def test_changes_can_be_guarded_by_the_policys_etag(http, auth) -> None:
    rina = auth("operator_kabupaten", sub="rina", region=PONOROGO)
    listed = await http.get(WORDS, headers=rina)
    assert listed.headers["etag"] == '"0"'  # the platform defaults
    block = {"action": "block", "category": "judi"}
    r = await http.put(f"{WORDS}/judi", json=block, headers={**rina, "If-Match": '"0"'})
    assert (r.status_code, r.headers["etag"]) == (200, '"1"'), r.text
    # the same PUT again changes nothing: no new version, no audit row
    r = await http.put(f"{WORDS}/judi", json=block, headers=rina)
    assert (r.status_code, r.headers["etag"]) == (200, '"1"')
    # a change made from a stale read is refused
    r = await http.patch(
        f"{RULES}/spam.links", json={"enabled": False}, headers={**rina, "If-Match": '"0"'}
    )
    assert r.status_code == 412, r.text
    r = await http.delete(f"{WORDS}/judi", headers={**rina, "If-Match": '"0"'})
    assert r.status_code == 412, r.text
    r = await http.delete(f"{WORDS}/judi", headers={**rina, "If-Match": '"1"'})
    assert (r.status_code, r.headers["etag"]) == (204, '"2"')
    assert (await http.get(f"{RULES}/spam.links", headers=rina)).headers["etag"] == '"2"'
    assert len((await http.get(CHANGES, headers=rina)).json()["items"]) == 2


async def test_bad_policy_input_is_refused_and_nothing_is_stored(http, auth, runtime) -> None:
    rina = auth("operator_kabupaten", sub="rina", region=PONOROGO)
    bad_words = [
        (f"{WORDS}/judi", {"action": "hapus", "category": "judi"}),
        (f"{WORDS}/judi", {"action": "block", "category": "politik"}),
        (f"{WORDS}/judi", {"action": "block"}),
        (f"{WORDS}/{quote(chr(0x200B) + 'judi')}", {"action": "block", "category": "judi"}),
        (f"{WORDS}/{quote('!! ??')}", {"action": "block", "category": "judi"}),
    ]
    for url, body in bad_words:
        r = await http.put(url, json=body, headers=rina)
        assert r.status_code == 422, (url, body, r.text)
    bad_rules: list[dict[str, object]] = [
        {"params": {"max_links": -1}},
        {"params": {"max_link": 2}},
        {"action": "hapus"},
        {"enabled": "kadang"},
    ]
    for rule_body in bad_rules:
        r = await http.patch(f"{RULES}/spam.links", json=rule_body, headers=rina)
        assert r.status_code == 422, (rule_body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await http.patch(f"{RULES}/spam.links", json={"params": {"max_links": -1}}, headers=rina)
    assert "max_links" in r.text
    assert (await http.patch(f"{RULES}/tidak.ada", json={}, headers=rina)).status_code == 404
    assert (await http.get(f"{RULES}/tidak.ada", headers=rina)).status_code == 404
    assert (await http.delete(f"{WORDS}/tidakada", headers=rina)).status_code == 404
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT (SELECT count(*) FROM screening_policies)"
            " + (SELECT count(*) FROM policy_changes)"
        )
    assert stored == 0


async def test_only_the_kabupatens_moderation_staff_see_its_policy(http, auth) -> None:
    madiun_operator = auth("operator_kabupaten", sub="agus", region=MADIUN)
    madiun_moderator = auth("moderator", sub="dewi", region=MADIUN)
    for who in (madiun_operator, madiun_moderator):
        assert (await http.get(WORDS, headers=who)).status_code == 404
        assert (await http.get(CHANGES, headers=who)).status_code == 404
        r = await http.put(
            f"{WORDS}/judi", json={"action": "block", "category": "judi"}, headers=who
        )
        assert r.status_code == 404
        r = await http.patch(f"{RULES}/spam.links", json={"enabled": False}, headers=who)
        assert r.status_code == 404
    author = auth("anggota_kim", sub="siti", region=PONOROGO)
    assert (await http.get(WORDS, headers=author)).status_code == 403
    national = auth("moderator", sub="nina")
    r = await http.put(
        f"{WORDS}/judol", json={"action": "block", "category": "judi"}, headers=national
    )
    assert r.status_code == 200, r.text
    audit = (await http.get(CHANGES, headers=national)).json()["items"]
    assert (audit[0]["actor"], audit[0]["actor_role"]) == ("nina", "moderator")
