"""Pure rules of evaluation and dormancy (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kim_registry.evaluation.domain import (
    DEFAULT_BANDS,
    DEFAULT_CRITERIA,
    Band,
    Criterion,
    band_for,
    band_issues,
    criteria_issues,
    evaluate,
    ranks,
)
from kim_registry.evaluation.dormancy import active_since, dormancy
from kim_shared.clock import WIB


def test_default_template_is_valid_and_follows_the_lomba_criteria() -> None:
    assert criteria_issues(DEFAULT_CRITERIA) == []
    assert band_issues(DEFAULT_BANDS) == []
    keys = {c.key for c in DEFAULT_CRITERIA}
    assert {"administrasi", "pemanfaatan_media", "dukungan_umkm"} <= keys
    for part in ("akses", "diskusi", "implementasi", "networking", "diseminasi", "aspirasi"):
        assert f"adinda_{part}" in keys
    assert sum(c.weight for c in DEFAULT_CRITERIA) == 100


def test_score_combines_jury_and_activity_and_caps_auto_at_100() -> None:
    criteria = [
        Criterion("administrasi", "Administrasi", 40, "jury"),
        Criterion("media", "Media", 60, "auto", ("article_published",), 10),
    ]
    r = evaluate(criteria, DEFAULT_BANDS, {"administrasi": 90}, {"article_published": 25})
    assert r.breakdown == {"administrasi": 90.0, "media": 100.0}
    assert (r.score, r.band, r.jury_missing) == (96.0, "mandiri", ())
    missing = evaluate(criteria, DEFAULT_BANDS, {}, {"article_published": 7})
    assert (missing.score, missing.band, missing.jury_missing) == (
        42.0,
        "tumbuh",
        ("administrasi",),
    )


def test_rounding_is_half_up() -> None:
    criteria = [Criterion("media", "Media", 100, "auto", ("article_published",), 24)]
    assert evaluate(criteria, DEFAULT_BANDS, {}, {"article_published": 1}).score == 4.17
    three = [Criterion("m", "Media", 100, "auto", ("article_published",), 8)]
    assert evaluate(three, DEFAULT_BANDS, {}, {"article_published": 1}).score == 12.5


def test_bands_and_ranks() -> None:
    assert [band_for(DEFAULT_BANDS, s) for s in (100, 85, 84.99, 70, 50, 49.99, 0)] == [
        "mandiri",
        "mandiri",
        "maju",
        "maju",
        "berkembang",
        "tumbuh",
        "tumbuh",
    ]
    assert ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert (
        band_issues([Band("baik", 50), Band("cukup", 50), Band("kurang", 0)])[0].field
        == "bands[1].min_score"
    )


def test_dormancy_counts_from_the_later_of_activity_and_activation() -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    old = now - timedelta(days=400)
    since = active_since(None, None, old)
    assert dormancy(
        status="aktif", last_activity_at=None, since=since, dormant_after_days=180, now=now
    ).dormant_suggested
    recent_activation = active_since(now - timedelta(days=30), date(2020, 1, 1), old)
    d = dormancy(
        status="aktif",
        last_activity_at=None,
        since=recent_activation,
        dormant_after_days=180,
        now=now,
    )
    assert (d.idle_days, d.dormant_suggested) == (30, False)
    assert active_since(None, date(2026, 1, 1), old) == datetime(2026, 1, 1, tzinfo=WIB)
    d = dormancy(
        status="aktif",
        last_activity_at=now - timedelta(days=179),
        since=since,
        dormant_after_days=180,
        now=now,
    )
    assert not d.dormant_suggested
    d = dormancy(status="calon", last_activity_at=None, since=since, dormant_after_days=7, now=now)
    assert not d.dormant_suggested
