"""The pieces of a page that are pure functions: screening findings cut into the text, the
coverage chart's geometry, Indonesian dates, and the problem answers of the services."""

from __future__ import annotations

import httpx

from kim_portal.charts import BAR_WIDTH, LABEL_WIDTH, coverage_chart
from kim_portal.clients.base import problem_from
from kim_portal.highlight import Piece, pieces
from kim_portal.web.templating import masked_nik, tanggal

NIK = "3502011201900001"


def test_findings_mark_exactly_their_characters() -> None:
    body = f"Bantuan diterima Pak Darmo, NIK {NIK}, hubungi 0812-3456-7890."
    nik_at, phone_at = body.index(NIK), body.index("0812")
    findings = [
        {"field": "body", "start": phone_at, "end": phone_at + 14, "category": "phone"},
        {"field": "body", "start": nik_at, "end": nik_at + 16, "category": "nik"},
        {"field": "title", "start": 0, "end": 3, "category": "nik"},  # another field
    ]
    cut = pieces(body, findings, "body")
    assert "".join(p.text for p in cut) == body
    assert [(p.text, p.label) for p in cut if p.category] == [
        (NIK, "NIK"),
        ("0812-3456-7890", "Nomor telepon"),
    ]


def test_findings_outside_the_text_or_overlapping_are_left_out() -> None:
    findings = [
        {"field": "body", "start": 2, "end": 6, "category": "nik"},
        {"field": "body", "start": 4, "end": 8, "category": "nik"},  # overlaps the first
        {"field": "body", "start": 8, "end": 99, "category": "nik"},  # past the end
    ]
    assert pieces("0123456789", findings, "body") == [
        Piece("01"),
        Piece("2345", "nik"),
        Piece("6789"),
    ]
    assert pieces("", [], "body") == [Piece("")]


def test_the_coverage_chart_scales_bars_and_marks_targets() -> None:
    chart = coverage_chart(
        [
            {"name": "Slahung", "villages": 22, "percent": 50.0, "target": {"villages": 11}},
            {"name": "Ngrayun", "villages": 11, "percent": 0.0, "target": None},
            {"name": "Sooko", "villages": 6, "percent": 140.0},
        ]
    )
    first, second, third = chart.bars
    assert first.width == BAR_WIDTH / 2
    assert first.target_x == LABEL_WIDTH + BAR_WIDTH / 2
    assert second.width == 0
    assert second.target_x is None
    assert third.width == BAR_WIDTH  # never past the track
    assert [b.y for b in chart.bars] == [4, 26, 48]


def test_dates_are_indonesian_and_in_wib() -> None:
    assert tanggal("2026-12-01") == "1 Desember 2026"
    assert tanggal("2026-08-16T17:30:00Z", True) == "17 Agustus 2026 00.30 WIB"
    assert tanggal(None) == "-"


def test_a_problem_answer_keeps_its_message_and_fields() -> None:
    answer = httpx.Response(
        422,
        json={
            "type": "https://kim.example/problems/validation-error",
            "title": "Invalid request",
            "status": 422,
            "detail": "Invalid request: body.nik: NIK must have 16 digits.",
            "errors": [{"field": "body.nik", "message": "NIK must have 16 digits"}],
        },
        headers={"content-type": "application/problem+json"},
    )
    problem = problem_from(answer, "registry")
    # in Indonesian; the fields below it say what (the English summary of them is left out)
    assert problem.message == "Isian belum benar. Periksa kolom yang disebutkan."
    assert [(i.field, i.message) for i in problem.issues] == [("nik", "NIK must have 16 digits")]
    bare = problem_from(httpx.Response(502, text="<html>bad gateway</html>"), "content")
    assert (bare.status, bare.message) == (502, "Bad Gateway")


def test_a_known_problem_type_is_said_in_indonesian_with_the_services_words_after() -> None:
    detail = "Not enough stock of 'Sambel Pecel' for 12 (4 left)."
    answer = httpx.Response(
        409,
        json={
            "type": "https://kim.example/problems/out-of-stock",
            "title": "Conflict",
            "status": 409,
            "detail": detail,
        },
    )
    problem = problem_from(answer, "marketplace")
    assert problem.message == f"Stok produk tidak mencukupi. Keterangan layanan: {detail}"
    other = {"type": "https://agency.example/problems/x", "title": "Teapot", "status": 418}
    foreign = problem_from(httpx.Response(418, json=other | {"detail": "Short and stout."}), "x")
    assert foreign.message == "Short and stout."  # a type the portal does not know: as said


def test_a_nik_is_shown_masked() -> None:
    assert masked_nik("3502014408920005") == "3502********0005"
    assert masked_nik("3502********0005", True) == "3502********0005"
