"""The invariant checker on synthetic histories: it must find loss, duplicated effects and
reordering, allow copies on a topic, and pass a clean history (else a clean report from the
failure tests would prove nothing)."""

from __future__ import annotations

from kim_devstack.invariants import History, Seen, Write, check, combine


def _history() -> History:
    h = History()
    for key, op in (("k1", "a1"), ("k2", "b1"), ("k1", "a2"), ("k1", "a3"), ("k2", "b2")):
        h.ack(key, op)
    return h


def _seen(*pairs: str) -> list[Seen]:
    return [Seen(p[0].replace("a", "k1").replace("b", "k2"), p) for p in pairs]


def test_a_clean_history_is_clean() -> None:
    report = check(
        _history(),
        {"consumer": _seen("a1", "b1", "a2", "b2", "a3")},
        topics={"topic": _seen("a1", "a2", "b1", "a3", "b2")},
        finals={"projection": {"k1": "a3", "k2": "b2"}},
    )
    assert report.clean, str(report)
    assert report.stage("consumer").distinct == 5
    assert "0 lost" in str(report)


def test_an_acknowledged_write_never_applied_is_lost() -> None:
    report = check(_history(), {"consumer": _seen("a1", "b1", "a3", "b2")})
    assert not report.clean
    assert report.stage("consumer").lost == ("a2",)
    assert "lost: a2" in str(report)


def test_an_effect_applied_twice_is_a_duplicate() -> None:
    report = check(_history(), {"consumer": _seen("a1", "b1", "a2", "a2", "a3", "b2")})
    assert not report.clean
    assert report.stage("consumer").duplicated == (("a2", 2),)
    assert "a2 x2" in str(report)


def test_a_copy_on_a_topic_is_counted_but_allowed() -> None:
    report = check(_history(), topics={"topic": _seen("a1", "a1", "b1", "a2", "a3", "b2", "b2")})
    assert report.clean, str(report)
    assert report.stage("topic").copies == 2


def test_writes_of_one_key_seen_out_of_order_are_reordered() -> None:
    report = check(_history(), topics={"topic": _seen("a1", "a3", "b1", "a2", "b2")})
    assert not report.clean
    ((key, acked, seen),) = report.stage("topic").reordered
    assert (key, acked, seen) == ("k1", ("a1", "a2", "a3"), ("a1", "a3", "a2"))


def test_a_late_copy_of_an_earlier_write_is_not_a_reordering() -> None:
    """A producer retry may repeat a record after later ones: the first copies count."""
    report = check(_history(), topics={"topic": _seen("a1", "a2", "a1", "b1", "a3", "b2")})
    assert report.clean, str(report)


def test_order_is_not_judged_where_the_stage_has_none() -> None:
    report = check(_history(), {"rows": _seen("a3", "a2", "a1", "b2", "b1")}, unordered=["rows"])
    assert report.clean, str(report)


def test_a_projection_holding_an_older_write_is_stale() -> None:
    report = check(_history(), finals={"projection": {"k1": "a2"}})
    assert not report.clean
    assert report.finals[0].stale == (("k1", "a3", "a2"), ("k2", "b2", None))


def test_ops_nobody_acknowledged_are_reported_not_failed() -> None:
    """A write whose answer the client lost may still commit (an indeterminate op)."""
    report = check(_history(), {"consumer": _seen("a1", "b1", "a2", "a3", "b2", "a9")})
    assert report.clean, str(report)
    assert report.stage("consumer").unacknowledged == ("a9",)


def test_checks_of_different_writes_combine_into_one_verdict() -> None:
    ok = check([Write("k", "x")], {"a": [Seen("k", "x")]})
    lost = check([Write("j", "y")], {"b": []})
    report = combine(ok, lost)
    assert not report.clean
    assert [s.name for s in report.stages] == ["a", "b"]
    assert report.stage("b").lost == ("y",)
