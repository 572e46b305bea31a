"""The pure rules of the proactive rules: the window of rejections, the skill they call for,
the lowest band and the default mapping of content's reason codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from kim_mentoring.proactive.domain import (
    DEFAULT_SKILL_BY_REASON,
    REASON_CODES,
    Rejection,
    RuleSettings,
    in_lowest_band,
    rejection_key,
    rejections_trigger,
)

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def rej(reason: str, day: float) -> Rejection:
    return Rejection(f"{uuid4()}/r1", reason, T0 + timedelta(days=day))


def test_every_reason_code_of_content_has_a_default() -> None:
    assert set(DEFAULT_SKILL_BY_REASON) == set(REASON_CODES)


def test_a_code_content_adds_later_counts_with_the_fallback_skill() -> None:
    assert RuleSettings("35.02").skill_for("kode_baru") == "jurnalistik"


def test_threshold_within_the_window_fires_with_the_majority_skill() -> None:
    settings = RuleSettings("35.02", rejections_threshold=3, rejections_window_days=7)
    spread = [rej("anak", 0), rej("kualitas", 8), rej("anak", 16)]
    assert rejections_trigger(settings, spread) is None  # never three within 7 days
    close = [rej("kualitas", 0), rej("anak", 3), rej("anak", 7)]
    trigger = rejections_trigger(settings, close)
    assert trigger is not None
    assert trigger.skill == "fotografi"
    assert len(trigger.rejections) == 3


def test_a_tie_takes_the_latest_rejections_skill_and_uncounted_reasons_are_left_out() -> None:
    settings = RuleSettings("35.02", rejections_threshold=2)
    trigger = rejections_trigger(
        settings, [rej("spam", 0), rej("permintaan_kim", 1), rej("hoaks", 2)]
    )
    assert trigger is not None
    assert trigger.skill == "jurnalistik"
    assert {r.reason_code for r in trigger.rejections} == {"spam", "hoaks"}


def test_the_cause_is_the_set_of_rejections_whatever_their_order() -> None:
    settings = RuleSettings("35.02", rejections_threshold=2)
    a, b = rej("hoaks", 0), rej("hoaks", 1)
    one = rejections_trigger(settings, [a, b])
    two = rejections_trigger(settings, [b, a])
    assert one is not None
    assert two is not None
    assert one.cause_key == two.cause_key


def test_a_rejection_is_its_article_and_revision() -> None:
    article = uuid4()
    assert rejection_key(article, 2, T0) == rejection_key(article, 2, T0 + timedelta(hours=1))
    assert rejection_key(article, 2, T0) != rejection_key(article, 3, T0)
    assert rejection_key(article, None, T0) != rejection_key(article, None, T0 + timedelta(1))


def test_lowest_band_is_the_last_of_at_least_two() -> None:
    bands = ["sangat_baik", "baik", "cukup", "kurang"]
    assert in_lowest_band("kurang", bands)
    assert not in_lowest_band("cukup", bands)
    assert not in_lowest_band("kurang", ["kurang"])
    assert not in_lowest_band("kurang", [])
