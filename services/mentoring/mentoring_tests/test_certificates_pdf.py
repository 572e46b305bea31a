"""Attendance per day completes a registration when the rule is met; its certificate has an
unguessable code, a public verification showing only name, training, date and issuer, and a
PDF whose text holds the verification URL and whose QR code decodes to it. Forged codes 404."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import httpx
import pytest
import zxingcpp
from pypdf import PdfReader

from kim_shared.service import Runtime

from .trainings_support import (
    BASE_URL,
    TUGUREJO,
    Auth,
    Registry,
    operator,
    outbox_payloads,
    register,
    schedule,
    service_day,
    slug,
)

pytestmark = pytest.mark.integration

NAME = "Siti Rahmawati Handayani"


async def _completed(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    await registry.kim(TUGUREJO, {"siti": "sekretaris", "budi": "anggota"})
    # Thursday to Monday: Friday 5 February 2027 is a holiday, so the days are 4 and 8 February.
    start, end = date(2027, 2, 4), date(2027, 2, 8)
    training = await schedule(http, auth, starts_on=start.isoformat(), ends_on=end.isoformat())
    assert training["required_days"] == 2
    tid = training["id"]
    siti = (await register(http, auth, tid, "siti", NAME)).json()
    budi = (await register(http, auth, tid, "budi", "Budi Santoso")).json()
    url = f"/trainings/{tid}/attendance"
    service_day(monkeypatch, start)
    second = {"day": end.isoformat(), "registration_ids": [siti["id"]]}
    r = await http.post(url, json=second, headers=operator(auth))
    assert r.status_code == 422, r.text  # the second day has not come yet
    assert slug(r) == "day-not-yet"
    first = {"day": start.isoformat(), "registration_ids": [siti["id"], budi["id"]]}
    r = await http.post(url, json=first, headers=operator(auth))
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()] == ["confirmed", "confirmed"]
    holiday = {"day": "2027-02-05", "registration_ids": [siti["id"]]}
    r = await http.post(url, json=holiday, headers=operator(auth))
    assert r.status_code == 422, r.text
    assert slug(r) == "not-a-day"
    service_day(monkeypatch, end)
    for _ in range(2):  # recorded twice: completed and certified once
        r = await http.post(url, json=second, headers=operator(auth))
        assert r.status_code == 200, r.text
    done = r.json()[0]
    assert done["status"] == "completed"
    assert done["certificate_code"] is not None
    return training, done


async def test_completion_issues_a_verifiable_certificate(
    http: httpx.AsyncClient,
    auth: Auth,
    registry: Registry,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    training, done = await _completed(http, auth, registry, monkeypatch)
    code = done["certificate_code"]
    assert len(code) >= 22

    r = await http.get(f"/certificates/{code}")
    assert r.status_code == 200
    shown = r.json()
    assert set(shown) == {"name", "training", "date", "issuer"}
    assert shown["name"] == NAME
    assert shown["training"] == training["title"]
    assert shown["issuer"] == "Dinas Komunikasi dan Informatika Kabupaten Ponorogo"

    types = [p["type"] for p in await outbox_payloads(runtime)]
    assert types.count("kim.mentoring.training.completed.v1") == 1
    assert types.count("kim.mentoring.training.certificate_issued.v1") == 1
    assert types.count("kim.mentoring.training.attended.v1") == 3
    assert types.count("kim.mentoring.training.attendance_recorded.v1") == 3
    text = json.dumps(await outbox_payloads(runtime))
    assert NAME not in text
    assert code not in text


async def test_pdf_holds_the_url_and_its_qr_decodes_to_it(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    training, done = await _completed(http, auth, registry, monkeypatch)
    code = done["certificate_code"]
    r = await http.get(f"/certificates/{code}.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    text = page.extract_text()
    url = f"{BASE_URL}/certificates/{code}"
    assert url in text
    assert NAME in text
    assert training["title"] in text
    assert "Kabupaten Ponorogo" in text
    images = list(page.images)
    assert len(images) == 1
    assert images[0].image is not None
    decoded = zxingcpp.read_barcodes(images[0].image)
    assert [b.text for b in decoded] == [url]


async def test_forged_codes_are_not_found(
    http: httpx.AsyncClient, auth: Auth, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, done = await _completed(http, auth, registry, monkeypatch)
    code: str = done["certificate_code"]
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for path in (f"/certificates/{forged}", f"/certificates/{forged}.pdf", "/certificates/x"):
        r = await http.get(path)
        assert r.status_code == 404, path
        assert slug(r) == "not-found"
