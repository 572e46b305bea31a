"""Members of a KIM: add/change/end with their events, officer and person uniqueness,
NIK validation, masking per role, capacity, ETags and idempotency."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    MADIUN,
    PONOROGO,
    Auth,
    add,
    assert_no_personal_data,
    counts,
    form,
    kim_events,
    make_nik,
    member_body,
    new_key,
    operator,
    pengelola,
)

pytestmark = pytest.mark.integration

KETUA_NIK = make_nik(date(1980, 5, 17))  # 3502011705800001


def years_ago(years: int, today: date | None = None) -> date:
    today = today or date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


async def test_add_change_and_end_members_with_their_events(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    kim_id = kim["id"]

    r = await http.post(
        f"/kim/{kim_id}/members",
        json=member_body("ketua", gender="L", birth_year=1980, appointment_sk_number="SK-01/2024"),
        headers=op,
    )
    assert r.status_code == 201, r.text
    ketua = r.json()
    assert r.headers["Location"] == f"/kim/{kim_id}/members/{ketua['id']}"
    assert r.headers["ETag"] == '"1"'
    assert (ketua["nik"], ketua["nik_masked"], ketua["nik_region_known"]) == (
        KETUA_NIK,
        False,
        True,
    )
    assert ketua["phone"] == "+6281234567801", "stored in E.164"
    assert (ketua["gender"], ketua["birth_year"]) == ("L", 1980)

    # Gender and birth year come from the NIK when left out (women: day + 40).
    anggota = await add(
        http, kim_id, op, member_body("anggota", who="sekretaris", serial="0002", phone=None)
    )
    assert (anggota["gender"], anggota["birth_year"], anggota["phone"]) == ("P", 1992, None)

    r = await http.patch(
        f"/kim/{kim_id}/members/{anggota['id']}",
        json={"position": "wakil_ketua", "phone": "+62 857 1111 2222", "term_end": "2027-12-31"},
        headers={**op, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    assert (r.json()["position"], r.json()["phone"]) == ("wakil_ketua", "+6285711112222")

    r = await http.post(
        f"/kim/{kim_id}/members/{ketua['id']}/end",
        json={"reason": "Pindah domisili ke Surabaya"},
        headers=op,
    )
    assert r.status_code == 200, r.text
    ended = r.json()
    assert ended["left_on"] is not None
    assert ended["left_reason"] == "Pindah domisili ke Surabaya"

    current = (await http.get(f"/kim/{kim_id}/members", headers=op)).json()["items"]
    assert [m["id"] for m in current] == [anggota["id"]]
    everyone = (await http.get(f"/kim/{kim_id}/members?former=true", headers=op)).json()
    assert [m["id"] for m in everyone["items"]] == [anggota["id"], ketua["id"]]

    events = [e for e in await kim_events(runtime, kim_id) if "member" in e["type"]]
    assert [e["type"].split(".")[3] for e in events] == [
        "member_joined",
        "member_joined",
        "member_changed",
        "member_left",
    ]
    assert events[0]["data"] == {
        "kim_id": kim_id,
        "member_id": ketua["id"],
        "position": "ketua",
        "user_subject": "user-ketua-0001",
        "term_start": "2024-01-01",
        "term_end": None,
    }
    changed = events[2]["data"]
    assert (changed["member_id"], changed["position"], changed["term_end"]) == (
        anggota["id"],
        "wakil_ketua",
        "2027-12-31",
    )
    assert changed["changed_fields"] == ["phone", "position", "term_end"]
    left = events[3]["data"]
    assert (left["member_id"], left["position"], left["left_on"]) == (
        ketua["id"],
        "ketua",
        ended["left_on"],
    )
    assert_no_personal_data(events)

    # An ended membership is history: no more changes, no second end.
    r = await http.post(f"/kim/{kim_id}/members/{ketua['id']}/end", headers=op)
    assert r.status_code == 409
    assert "already ended" in r.json()["detail"]
    r = await http.patch(
        f"/kim/{kim_id}/members/{ketua['id']}",
        json={"full_name": "Sutrisno H."},
        headers={**op, "If-Match": '"2"'},
    )
    assert r.status_code == 409
    # The position is free again.
    await add(http, kim_id, op, member_body("ketua", who="bendahara", serial="0003"))


async def test_one_holder_per_officer_position(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    ketua = await add(http, kim["id"], op, member_body("ketua"))
    anggota = await add(http, kim["id"], op, member_body("anggota", serial="0002"))
    before = await counts(runtime)

    r = await http.post(
        f"/kim/{kim['id']}/members",
        json=member_body("ketua", who="bendahara", serial="0003"),
        headers=op,
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("/position-taken")
    assert f"The position ketua is already held by member {ketua['id']}" in r.json()["detail"]
    r = await http.patch(
        f"/kim/{kim['id']}/members/{anggota['id']}",
        json={"position": "ketua"},
        headers={**op, "If-Match": '"1"'},
    )
    assert r.status_code == 409
    assert await counts(runtime) == before
    # Any number of anggota.
    await add(http, kim["id"], op, member_body("anggota", who="bendahara", serial="0004"))


async def test_one_current_membership_per_person(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    first = await add(http, kim["id"], op, member_body("anggota"))
    before = await counts(runtime)
    same_person = member_body("sekretaris", who="anggota", full_name="Bayu S.")
    r = await http.post(f"/kim/{kim['id']}/members", json=same_person, headers=op)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/duplicate-member")
    assert first["id"] in r.json()["detail"]
    assert same_person["nik"] not in r.text
    assert await counts(runtime) == before


def _nik_cases() -> list[Any]:
    ketua_15 = make_nik(years_ago(15))
    return [
        pytest.param({"nik": "35020117058000"}, "exactly 16 digits", id="too-short"),
        pytest.param({"nik": "35020117O5800001"}, "exactly 16 digits", id="letter"),
        pytest.param({"nik": "3502013205800001"}, "do not encode a real birth date", id="day-32"),
        pytest.param({"nik": "3502011713800001"}, "do not encode a real birth date", id="month-13"),
        pytest.param({"nik": "3502017102800001"}, "do not encode a real birth date", id="day-71"),
        pytest.param({"nik": "9902011705800001"}, "not an Indonesian province", id="province"),
        pytest.param({"nik": "3502001705800001"}, "must not be 00", id="kecamatan-00"),
        pytest.param({"nik": "3502011705800000"}, "must not be 0000", id="serial-0000"),
        pytest.param(
            {"nik": make_nik(years_ago(12)), "position": "anggota"},
            "To serve as anggota, a member must be at least 13 years old",
            id="anggota-12",
        ),
        pytest.param(
            {"nik": ketua_15, "position": "ketua"},
            "To serve as ketua, a member must be at least 17 years old",
            id="ketua-15",
        ),
        pytest.param({"gender": "P"}, "gender does not match", id="gender"),
        pytest.param({"birth_year": 1981}, "birth_year does not match", id="birth-year"),
        pytest.param({"birth_year": "1980"}, "body.birth_year", id="birth-year-text"),
        pytest.param({"gender": "X"}, "body.gender", id="gender-unknown"),
        pytest.param({"phone": "12345"}, "not a valid Indonesian phone number", id="phone"),
        pytest.param({"full_name": "S" * 151}, "body.full_name", id="name-oversize"),
        pytest.param({"full_name": "\u200b\u200c"}, "found U+200B", id="name-zero-width"),
        pytest.param({"full_name": "Siti\u202e"}, "found U+202E", id="name-rtl-override"),
        pytest.param({"full_name": "Siti\nAminah"}, "found U+000A", id="name-newline"),
        pytest.param({"nik": "3" * 33}, "body.nik", id="nik-oversize"),
        pytest.param({"user_subject": "u" * 201}, "body.user_subject", id="subject-oversize"),
        pytest.param({"term_end": "2023-12-31"}, "term_end must not be before", id="term"),
        pytest.param({"term_start": "01-01-2024"}, "body.term_start", id="term-format"),
        pytest.param({"appointment_sk_date": "2099-01-01"}, "in the future", id="sk-future"),
        pytest.param({"position": "pelindung"}, "body.position", id="position"),
        pytest.param({"nik_hash": "x"}, "body.nik_hash", id="unknown-field"),
    ]


@pytest.mark.parametrize(("change", "expected"), _nik_cases())
async def test_bad_member_input_is_422_without_echo_and_stores_nothing(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    change: dict[str, Any],
    expected: str,
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    before = await counts(runtime)
    body = {**member_body("ketua"), **change}
    r = await http.post(f"/kim/{kim['id']}/members", json=body, headers={**op, **new_key()})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert expected in r.json()["detail"]
    assert str(body["nik"]) not in r.text, "the NIK is never echoed"
    assert await counts(runtime) == before


async def test_a_birth_date_in_the_future_is_rejected(
    http: httpx.AsyncClient,
    runtime: Runtime,
    auth: Auth,
    ponorogo: ImportResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # NIKs have two-digit years, so only a later day of the current year is "future":
    # pin the service's calendar day to mid-year.
    today = date(date.today().year, 6, 15)
    monkeypatch.setattr("kim_registry.groups.members_api.today", lambda: today)
    op = operator(auth)
    kim = await form(http, op)
    before = await counts(runtime)
    body = member_body("anggota", nik=make_nik(date(today.year, 12, 31)))
    r = await http.post(f"/kim/{kim['id']}/members", json=body, headers=op)
    assert r.status_code == 422
    assert "lies in the future" in r.json()["detail"]
    assert await counts(runtime) == before


async def test_age_limits_and_unknown_nik_regions(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    young = await add(
        http, kim["id"], op, member_body("anggota", nik=make_nik(years_ago(14)), serial="0005")
    )
    assert young["position"] == "anggota"
    r = await http.patch(
        f"/kim/{kim['id']}/members/{young['id']}",
        json={"position": "sekretaris"},
        headers={**op, "If-Match": '"1"'},
    )
    assert r.status_code == 422
    assert "To serve as sekretaris, a member must be at least 17" in r.json()["detail"]
    # A kecamatan code not in the current Kemendagri data (old code, pemekaran): accepted,
    # flagged for staff.
    moved = await add(
        http, kim["id"], op, member_body("ketua", nik=make_nik(date(1975, 2, 2), district="350299"))
    )
    assert moved["nik_region_known"] is False


async def test_members_are_limited_by_the_kabupaten_maximum(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    rules = {
        "max_kim_per_village": 1,
        "required_positions": ["ketua"],
        "min_members": 1,
        "max_members": 2,
        "dormant_after_days": 180,
    }
    r = await http.put(
        f"/kabupaten/{PONOROGO}/rules", json=rules, headers={**op, "If-Match": '"0"'}
    )
    assert r.status_code == 200, r.text
    kim = await form(http, op)
    await add(http, kim["id"], op, member_body("ketua"))
    await add(http, kim["id"], op, member_body("anggota", serial="0002"))
    before = await counts(runtime)
    r = await http.post(
        f"/kim/{kim['id']}/members",
        json=member_body("bendahara", serial="0003"),
        headers=op,
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("/members-full")
    assert "already has 2 current members" in r.json()["detail"]
    assert await counts(runtime) == before


async def test_masking_per_role(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    await add(http, kim["id"], op, member_body("ketua"))
    url = f"/kim/{kim['id']}"

    staff = (await http.get(url, headers=op)).json()
    assert staff["view"] == "staff"
    [m] = staff["members"]
    assert (m["nik"], m["phone"], m["full_name"]) == (
        KETUA_NIK,
        "+6281234567801",
        "Sutrisno Hadi",
    )
    admin = (await http.get(url, headers=auth("admin_provinsi", region="35", sub="adm"))).json()
    assert admin["members"][0]["nik"] == KETUA_NIK

    own = pengelola(auth, kim["id"])
    mine = (await http.get(url, headers=own)).json()
    assert mine["view"] == "pengelola"
    [m] = mine["members"]
    assert (m["nik"], m["nik_masked"], m["nik_region_known"]) == ("3502********0001", True, None)
    assert m["phone"] == "+6281234567801"
    r = await http.get(f"{url}/members", headers=own)
    assert r.json()["items"][0]["nik"] == "3502********0001"
    assert KETUA_NIK not in r.text

    for headers in ({}, auth("anggota_kim", region=PONOROGO, sub="wartawan")):
        r = await http.get(url, headers=headers)
        assert r.status_code == 200
        assert r.json()["view"] == "public"
        assert r.json()["officer_positions_filled"] == ["ketua"]
        assert "members" not in r.json()
        assert "Sutrisno" not in r.text
        assert KETUA_NIK not in r.text
        assert "+6281234567801" not in r.text

    other = operator(auth, MADIUN, "op-madiun")
    assert (await http.get(url, headers=other)).status_code == 404
    assert (await http.get(f"{url}/members", headers=other)).status_code == 404
    assert (await http.get(f"{url}/members", headers={})).status_code == 401


async def test_member_updates_need_if_match(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    member = await add(http, kim["id"], op, member_body("ketua"))
    url = f"/kim/{kim['id']}/members/{member['id']}"
    r = await http.get(url, headers=op)
    assert r.headers["ETag"] == '"1"'
    before = await counts(runtime)
    r = await http.patch(url, json={"full_name": "Sutrisno H."}, headers=op)
    assert r.status_code == 428
    r = await http.patch(url, json={"full_name": "Sutrisno H."}, headers={**op, "If-Match": '"3"'})
    assert r.status_code == 412
    assert r.headers["ETag"] == '"1"'
    r = await http.patch(url, json={"nik": None}, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 422
    assert await counts(runtime) == before
    # A corrected NIK re-derives gender and birth year.
    new_nik = make_nik(date(1981, 6, 1), female=True)
    r = await http.patch(url, json={"nik": new_nik}, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["gender"], r.json()["birth_year"]) == ("P", 1981)
    changed = (await kim_events(runtime, kim["id"]))[-1]
    assert changed["data"]["changed_fields"] == ["birth_year", "gender", "nik"]
    assert new_nik not in changed["raw"]


async def test_ending_a_membership_checks_the_day(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = operator(auth)
    kim = await form(http, op)
    member = await add(http, kim["id"], op, member_body("ketua"))
    url = f"/kim/{kim['id']}/members/{member['id']}/end"
    before = await counts(runtime)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for left_on, message in (
        ("2023-12-31", "before the member's term_start"),
        (tomorrow, "future"),
    ):
        r = await http.post(url, json={"left_on": left_on}, headers=op)
        assert r.status_code == 422
        assert message in r.json()["detail"]
    r = await http.post(url, json={"left_on": "2024-06-30"}, headers={**op, "If-Match": '"5"'})
    assert r.status_code == 412
    assert await counts(runtime) == before
    r = await http.post(url, json={"left_on": "2024-06-30"}, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 200
    assert r.json()["left_on"] == "2024-06-30"


async def test_idempotent_member_add_creates_one(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    op = {**operator(auth), "Idempotency-Key": "add-ketua"}
    kim = await form(http, operator(auth))
    first = await http.post(f"/kim/{kim['id']}/members", json=member_body("ketua"), headers=op)
    again = await http.post(f"/kim/{kim['id']}/members", json=member_body("ketua"), headers=op)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await runtime.pool.fetchval("SELECT count(*) FROM members") == 1
    joined = [e for e in await kim_events(runtime) if e["type"].endswith("member_joined.v1")]
    assert len(joined) == 1


async def test_idempotency_keys_keep_no_personal_data(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """The stored answer is the member's id; a replay renders the member again, as it is now
    and as the caller may see it (UU PDP: no NIK or phone kept for 24 hours in a side table)."""
    op = {**operator(auth), "Idempotency-Key": "add-ketua"}
    kim = await form(http, operator(auth))
    body = member_body("ketua")
    first = await http.post(f"/kim/{kim['id']}/members", json=body, headers=op)
    assert first.status_code == 201, first.text
    assert first.json()["nik"] == body["nik"], "staff see the full NIK"
    stored = await runtime.pool.fetch("SELECT * FROM idempotency_keys")
    dump = " ".join(str(dict(r)) for r in stored)
    for personal in (body["nik"], "3456", body["full_name"]):
        assert personal not in dump
    member_url = first.headers["Location"]
    r = await http.patch(
        member_url, json={"full_name": "Sutrisno Hadi Wijaya"}, headers={**op, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    again = await http.post(f"/kim/{kim['id']}/members", json=body, headers=op)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == member_url
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["full_name"] == "Sutrisno Hadi Wijaya", "rendered as it is now"
    assert again.json()["nik"] == body["nik"]
