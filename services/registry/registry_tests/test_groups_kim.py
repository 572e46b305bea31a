"""KIM formation: the stored KIM and its event, public profile, bad input, one KIM per
village, idempotency."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    PONOROGO,
    RONOWIJAYAN,
    SENEPO,
    TUGUREJO,
    Auth,
    counts,
    form,
    kim_body,
    kim_events,
    member_body,
    new_key,
    operator,
    set_status,
    staff_the_officers,
)

pytestmark = pytest.mark.integration


async def test_forming_a_kim_stores_it_as_calon_and_publishes_kim_formed(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    r = await http.post("/kim", json=kim_body(), headers=operator(auth))
    assert r.status_code == 201, r.text
    kim = r.json()
    assert r.headers["Location"] == f"/kim/{kim['id']}"
    assert r.headers["ETag"] == '"1"'
    assert kim["status"] == "calon"
    assert kim["view"] == "staff"
    assert (kim["village_name"], kim["village_type"]) == ("Tugurejo", "desa")
    assert (kim["kecamatan_code"], kim["kecamatan_name"]) == ("35.02.01", "Slahung")
    assert kim["kabupaten_code"] == PONOROGO
    assert (kim["sk_number"], kim["sk_date"], kim["sk_issuer"]) == (
        "141/12/405.29.01.2001/2021",
        "2021-03-15",
        "kepala_desa",
    )
    assert kim["links"] == ["https://tugurejo.example.id/kim"]
    assert kim["members"] == []
    assert kim["members_count"] == 0
    assert [(h["from_status"], h["to_status"]) for h in kim["status_history"]] == [(None, "calon")]
    assert kim["status_history"][0]["changed_by"] == "op-ponorogo"

    events = await kim_events(runtime)
    assert [e["type"] for e in events] == ["kim.registry.kim.formed.v1"]
    formed = events[0]
    assert formed["key"] == kim["id"]
    assert formed["kabupaten"] == PONOROGO
    assert formed["data"] == {
        "kim_id": kim["id"],
        "name": "KIM Tugu Media",
        "village_code": TUGUREJO,
        "kabupaten_code": PONOROGO,
        "founded_on": "2021-03-01",
        "status": "calon",
        "formed_by": "op-ponorogo",
    }


async def test_the_public_profile_has_no_sk_contact_or_members(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim = await form(http, operator(auth))
    await staff_the_officers(http, kim["id"], operator(auth))
    r = await http.get(f"/kim/{kim['id']}")
    assert r.status_code == 200
    assert r.headers["ETag"] == '"1"'
    public = r.json()
    assert public["view"] == "public"
    assert public["officer_positions_filled"] == ["ketua", "sekretaris", "bendahara"]
    assert public["members_count"] == 3
    for hidden in ("sk_number", "sk_date", "contact_channel", "members", "status_history"):
        assert hidden not in public
    assert "Sutrisno" not in r.text
    assert member_body("ketua")["nik"] not in r.text


# --- bad input ----------------------------------------------------------------------------


async def test_a_lone_surrogate_escape_is_422_not_500(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """JSON may spell a lone surrogate (``\\ud800``); Python keeps it, UTF-8 cannot store it."""
    before = await counts(runtime)
    raw = json.dumps(kim_body(name="KIM \ud800 Tugu")).encode()  # ensure_ascii: an escape
    r = await http.post(
        "/kim", content=raw, headers={**operator(auth), "content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert "found U+D800" in r.json()["detail"]
    assert await counts(runtime) == before


async def test_names_are_stored_in_nfc(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    """The same name typed on two keyboards (é as one code point or as e + accent) is one."""
    decomposed = "KIM Cafe\u0301 Desa"
    r = await http.post("/kim", json=kim_body(name=f"  {decomposed}  "), headers=operator(auth))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "KIM Caf\u00e9 Desa"


@pytest.mark.parametrize(
    ("change", "status", "expected"),
    [
        (
            {"village_code": "35.02.01.9999"},
            422,
            "Village code 35.02.01.9999 is not an active desa or kelurahan",
        ),
        ({"village_code": "35.02.01"}, 422, "body.village_code"),
        ({"village_code": "99.99.99.9999"}, 422, "inside your region (35.02)"),
        ({"founded_on": "2101-01-01"}, 422, "must lie between 1900-01-01 and 2100-12-31"),
        ({"sk_date": "15-03-2021"}, 422, "body.sk_date: Value error, must be a date"),
        ({"sk_date": "2021-02-30"}, 422, "body.sk_date"),
        ({"sk_date": 1615766400}, 422, "body.sk_date"),
        ({"sk_date": "2099-01-01"}, 422, "sk_date lies in the future"),
        ({"founded_on": "2099-01-01"}, 422, "founded_on lies in the future"),
        ({"sk_number": None}, 422, "give its sk_number too"),
        ({"sk_issuer": "bupati"}, 422, "body.sk_issuer"),
        ({"name": "K" * 151}, 422, "body.name"),
        ({"name": "  "}, 422, "body.name"),
        (
            {"name": "\u200b\u200b\u200b\u200b"},
            422,
            "invisible formatting characters (found U+200B)",
        ),
        ({"name": "KIM \u202eaideM uguT"}, 422, "found U+202E"),  # right-to-left override
        ({"name": "\ufeffKIM Tugu"}, 422, "found U+FEFF"),  # byte-order mark
        ({"name": "KIM Tugu\r\nMedia"}, 422, "found U+000D"),
        ({"name": "KIM\u0000Tugu"}, 422, "found U+0000"),
        ({"sk_number": "141/\u2028/2021"}, 422, "found U+2028"),  # line separator
        ({"legal_basis": "x" * 301}, 422, "body.legal_basis"),
        ({"contact_channel": "x" * 201}, 422, "body.contact_channel"),
        ({"kim_id_number": "9" * 51}, 422, "body.kim_id_number"),
        ({"links": ["https://a.example/" + "x" * 300]}, 422, "body.links[0]"),
        ({"links": ["javascript:alert(1)"]}, 422, "body.links[0]"),
        ({"links": [f"https://a.example/{i}" for i in range(11)]}, 422, "body.links"),
        ({"status": "aktif"}, 422, "body.status"),
    ],
)
async def test_bad_kim_input_is_a_specific_4xx_and_stores_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    change: dict[str, Any],
    status: int,
    expected: str,
) -> None:
    before = await counts(runtime)
    r = await http.post("/kim", json=kim_body(**change), headers={**operator(auth), **new_key()})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert expected in r.text
    assert await counts(runtime) == before


async def test_a_village_keeps_one_kim_until_it_is_dissolved(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    first = await form(http, op)
    before = await counts(runtime)
    r = await http.post("/kim", json=kim_body(name="KIM Kedua"), headers=op)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/village-has-kim")
    assert "Desa Tugurejo (35.02.01.2001) already has 1 KIM" in r.json()["detail"]
    assert await counts(runtime) == before

    # A dormant KIM still holds the village (it may be reactivated) ...
    await staff_the_officers(http, first["id"], op)
    assert (await set_status(http, first["id"], op, "aktif")).status_code == 200
    assert (await set_status(http, first["id"], op, "tidak_aktif", "vakum")).status_code == 200
    r = await http.post("/kim", json=kim_body(name="KIM Kedua"), headers=op)
    assert r.status_code == 409
    # ... a dissolved one does not.
    assert (await set_status(http, first["id"], op, "dibubarkan", "bubar")).status_code == 200
    r = await http.post("/kim", json=kim_body(name="KIM Kedua"), headers=op)
    assert r.status_code == 201, r.text
    # Another village and a kelurahan are unaffected.
    assert (await http.post("/kim", json=kim_body(SENEPO), headers=op)).status_code == 201
    r = await http.post("/kim", json=kim_body(RONOWIJAYAN), headers=op)
    assert r.status_code == 201
    assert r.json()["village_type"] == "kelurahan"


async def test_idempotency_key_replays_the_same_kim_and_creates_one(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    headers = {**operator(auth), "Idempotency-Key": "form-tugurejo-1"}
    first = await http.post("/kim", json=kim_body(), headers=headers)
    again = await http.post("/kim", json=kim_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert await runtime.pool.fetchval("SELECT count(*) FROM kim") == 1
    assert len(await kim_events(runtime)) == 1
    other = await http.post("/kim", json=kim_body(name="KIM Lain"), headers=headers)
    assert other.status_code == 422
    assert "different body" in other.json()["detail"]
