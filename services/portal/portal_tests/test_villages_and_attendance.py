"""Villages are chosen, never typed (the KIM's kecamatan for its members; kecamatan then
village for a seller, also without JS), and an operator records a training's attendance,
against recorded service answers. The browser tests run the same pages against the real
services."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from portal_tests.support import csrf_of, dev_sign_in, portal, settings_for

KIM = str(uuid.uuid4())
TRAINING = str(uuid.uuid4())
REG = str(uuid.uuid4())
WAITING = str(uuid.uuid4())
Handler = Callable[[httpx.Request], httpx.Response]
SLAHUNG = [
    {"code": "35.02.01.2001", "name": "Tugurejo", "type": "desa", "active": True},
    {"code": "35.02.01.2002", "name": "Senepo", "type": "desa", "active": True},
    {"code": "35.02.01.1001", "name": "Old", "type": "desa", "active": False},
]
KECAMATAN = [
    {"code": "35.02.01", "name": "Slahung", "type": "kecamatan", "active": True},
    {"code": "35.02.02", "name": "Ngrayun", "type": "kecamatan", "active": True},
]
NGRAYUN = [{"code": "35.02.02.2001", "name": "Baosan Lor", "type": "desa", "active": True}]


def _client(handler: Handler, name: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=f"http://{name}")


def _registry(calls: list[httpx.Request]) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        children = {
            "/regions/35.02/children": KECAMATAN,
            "/regions/35.02.01/children": SLAHUNG,
            "/regions/35.02.02/children": NGRAYUN,
        }
        if path in children:
            return httpx.Response(200, json={"parent": None, "items": children[path]})
        if path == f"/kim/{KIM}":
            kim = {"id": KIM, "name": "KIM Tugu Media", "village_code": "35.02.01.2002"}
            return httpx.Response(200, json=kim | {"kecamatan_code": "35.02.01"})
        if path == "/kim":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    return answer


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    found = re.search(rf'<select id="{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no {name} select"
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', found.group(1)
        )
    ]


async def test_a_kim_member_chooses_among_the_villages_of_the_kims_kecamatan(
    tmp_path: Path,
) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_registry(calls), "registry") as registry,
        portal(settings_for(tmp_path), {"registry": registry}) as client,
    ):
        await dev_sign_in(client, "anggota_kim", kim_ids=KIM)
        page = await client.get("/kerja/artikel/baru")
        assert page.status_code == 200, page.text
        # by name, the KIM's own village chosen, an inactive village left out; no code to type
        assert _options(page.text, "village_code") == [
            ("35.02.01.2002", "Desa Senepo", True),
            ("35.02.01.2001", "Desa Tugurejo", False),
        ]
        assert '<input id="village_code"' not in page.text
        assert "Kode Kemendagri" not in page.text
        # the kabupaten's other kecamatan are not fetched: one kecamatan's villages only
        assert "/regions/35.02/children" not in [c.url.path for c in calls]


async def test_a_seller_chooses_a_kecamatan_then_its_village_without_javascript(
    tmp_path: Path,
) -> None:
    calls: list[httpx.Request] = []
    sent: list[httpx.Request] = []

    def market(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json={"id": str(uuid.uuid4())})

    async with (
        _client(_registry(calls), "registry") as registry,
        _client(market, "marketplace") as marketplace,
        portal(settings_for(tmp_path), {"registry": registry, "marketplace": marketplace}) as (
            client
        ),
    ):
        await dev_sign_in(client, "pelaku_umkm", subject="pak-tono")
        form = await client.get("/usaha/daftar")
        assert form.status_code == 200, form.text
        assert [o[:2] for o in _options(form.text, "kecamatan")] == [
            ("", "Pilih kecamatan"),
            ("35.02.02", "Ngrayun"),
            ("35.02.01", "Slahung"),
        ]
        assert 'name="village_code"' not in form.text  # no village before its kecamatan
        token = await csrf_of(client, "/usaha/daftar")
        typed = {"csrf_token": token, "key": "k" * 12, "business_name": "Reog Mini Pak Tono"}
        shown = await client.post(
            "/usaha/daftar", data=typed | {"kecamatan": "35.02.02", "pilih": "kecamatan"}
        )
        assert shown.status_code == 200, shown.text
        assert _options(shown.text, "village_code") == [
            ("", "Pilih desa/kelurahan", False),
            ("35.02.02.2001", "Desa Baosan Lor", False),
        ]
        assert ("35.02.02", "Ngrayun", True) in _options(shown.text, "kecamatan")
        assert 'value="Reog Mini Pak Tono"' in shown.text  # what was typed is kept
        assert not sent  # nothing registered yet
        # with htmx: the kecamatan's villages alone
        fragment = await client.get("/wilayah/desa", params={"kecamatan": "35.02.01"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert [o[0] for o in _options(fragment.text, "village_code")] == [
            "",
            "35.02.01.2002",
            "35.02.01.2001",
        ]
        bad = await client.get("/wilayah/desa", params={"kecamatan": "<script>"})
        assert bad.status_code == 422


def _mentoring(calls: list[httpx.Request], *, refuse: bool = False) -> Handler:
    training: dict[str, object] = {"id": TRAINING, "title": "Diklat Jurnalistik"}
    training |= {"skill": "jurnalistik"}
    training |= {"starts_on": "2027-02-08", "ends_on": "2027-02-14", "venue": "Aula"}
    training |= {"days": ["2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]}
    training |= {"required_days": 2, "status": "scheduled", "confirmed": 1, "capacity": 20}

    def registration(rid: str, name: str, status: str) -> dict[str, object]:
        return {
            "id": rid,
            "participant_name": name,
            "status": status,
            "days_attended": ["2027-02-09", "2027-02-10"] if status == "completed" else [],
            "certificate_code": "KIM-3502-ABCD" if status == "completed" else None,
        }

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        if path == f"/trainings/{TRAINING}":
            return httpx.Response(200, json=training)
        if path == f"/trainings/{TRAINING}/registrations":
            done = any(c.method == "POST" for c in calls)
            return httpx.Response(
                200,
                json=[
                    registration(REG, "Rahayu Lestari", "completed" if done else "confirmed"),
                    registration(WAITING, "Dewi Anggraini", "waitlisted"),
                ],
            )
        if path == f"/trainings/{TRAINING}/attendance" and refuse:
            problem = {"title": "Unprocessable Content", "status": 422}
            problem["detail"] = "The day is not a working day of the training."
            return httpx.Response(422, json=problem)
        if path == f"/trainings/{TRAINING}/attendance":
            return httpx.Response(200, json=[registration(REG, "Rahayu Lestari", "completed")])
        if path == "/trainings":
            return httpx.Response(200, json=[training])
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    return answer


async def test_an_operator_records_attendance_and_sees_the_certificate(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_mentoring(calls), "mentoring") as mentoring,
        portal(settings_for(tmp_path), {"mentoring": mentoring}) as client,
    ):
        await dev_sign_in(client, "operator_kabupaten", subject="op-ponorogo")
        listed = await client.get("/operator/pelatihan")
        assert f'href="/operator/pelatihan/{TRAINING}"' in listed.text
        page = await client.get(f"/operator/pelatihan/{TRAINING}")
        assert page.status_code == 200, page.text
        # working days only: Monday 8 to Friday 12 February, not the weekend
        days = [o[0] for o in _options(page.text, "day")]
        assert days == ["2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]
        assert f'value="{REG}"' in page.text
        assert f'value="{WAITING}"' not in page.text  # only confirmed participants attend
        token = await csrf_of(client, f"/operator/pelatihan/{TRAINING}")
        action = f"/operator/pelatihan/{TRAINING}/kehadiran"
        none = await client.post(action, data={"csrf_token": token, "day": "2027-02-09"})
        assert none.status_code == 422
        assert "Centang setidaknya satu peserta" in none.text
        assert not [c for c in calls if c.method == "POST"]
        done = await client.post(
            action, data={"csrf_token": token, "day": "2027-02-10", "hadir": [REG]}
        )
        assert (done.status_code, done.headers["location"]) == (
            303,
            f"/operator/pelatihan/{TRAINING}?tercatat=2027-02-10",
        )
        (posted,) = [c for c in calls if c.method == "POST"]
        assert posted.headers["authorization"].startswith("Bearer ")
        assert json.loads(posted.content) == {"day": "2027-02-10", "registration_ids": [REG]}
        after = await client.get(done.headers["location"])
        assert "Kehadiran 10 Februari 2027 tercatat." in after.text
        assert "Lulus" in after.text
        assert 'href="/sertifikat?kode=KIM-3502-ABCD"' in after.text


async def test_attendance_refused_by_mentoring_is_shown_in_its_words(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_mentoring(calls, refuse=True), "mentoring") as mentoring,
        portal(settings_for(tmp_path), {"mentoring": mentoring}) as client,
    ):
        await dev_sign_in(client, "operator_kabupaten", subject="op-ponorogo")
        token = await csrf_of(client, f"/operator/pelatihan/{TRAINING}")
        refused = await client.post(
            f"/operator/pelatihan/{TRAINING}/kehadiran",
            data={"csrf_token": token, "day": "2027-02-13", "hadir": [REG]},
        )
        assert refused.status_code == 422
        assert "not a working day" in refused.text
        assert "Traceback" not in refused.text
        # a province admin has no kabupaten's trainings to record
        await dev_sign_in(client, "admin_provinsi", region="35")
        assert (await client.get(f"/operator/pelatihan/{TRAINING}")).status_code == 403


async def test_an_operator_forms_a_kim_choosing_kecamatan_then_village(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    async with (
        _client(_registry(calls), "registry") as registry,
        portal(settings_for(tmp_path), {"registry": registry}) as client,
    ):
        await dev_sign_in(client, "operator_kabupaten", subject="op-ponorogo")
        page = await client.get("/operator")
        assert page.status_code == 200, page.text
        assert ("35.02.01", "Slahung", False) in _options(page.text, "kecamatan")
        assert "Kode desa/kelurahan" not in page.text
        token = await csrf_of(client, "/operator")
        shown = await client.post(
            "/operator/kim",
            data={
                "csrf_token": token,
                "key": "k" * 12,
                "name": "KIM Sinar Slahung",
                "kecamatan": "35.02.01",
                "pilih": "kecamatan",
            },
        )
        assert shown.status_code == 200, shown.text
        assert [o[0] for o in _options(shown.text, "village_code")] == [
            "",
            "35.02.01.2002",
            "35.02.01.2001",
        ]
        assert 'value="KIM Sinar Slahung"' in shown.text
        assert not [c for c in calls if c.method == "POST"]  # no KIM formed yet
