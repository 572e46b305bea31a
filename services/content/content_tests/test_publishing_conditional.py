"""Conditional GET for feeds: ETag / Last-Modified and RFC 9110's evaluation order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kim_content.publishing.conditional import http_date, not_modified, validators

CHANGED = datetime(2026, 3, 3, 9, 0, 30, 250_000, tzinfo=UTC)
ETAG, LAST_MODIFIED = validators(CHANGED, 12, "rss:35.02.12.2001:kegiatan_desa")
OPAQUE = ETAG.removeprefix("W/")


def test_validators_shape() -> None:
    assert ETAG.startswith('W/"')
    assert ETAG.endswith('"')
    assert LAST_MODIFIED == "Tue, 03 Mar 2026 09:00:30 GMT"


def test_validators_change_with_every_input() -> None:
    others = {
        validators(CHANGED + timedelta(microseconds=1), 12, "rss:35.02.12.2001:kegiatan_desa"),
        validators(CHANGED, 11, "rss:35.02.12.2001:kegiatan_desa"),
        validators(CHANGED, 12, "json:35.02.12.2001:kegiatan_desa"),
        validators(CHANGED, 12, "rss:35.02.12.2001"),
    }
    assert ETAG not in {etag for etag, _ in others}
    assert len({etag for etag, _ in others}) == 4


def test_validators_are_stable_and_zone_independent() -> None:
    wib = CHANGED.astimezone(timezone(timedelta(hours=7)))
    assert validators(wib, 12, "rss:35.02.12.2001:kegiatan_desa") == (ETAG, LAST_MODIFIED)


def test_validators_for_an_empty_listing() -> None:
    etag, last_modified = validators(None, 0, "rss:35.02")
    assert etag.startswith('W/"')
    assert last_modified == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert etag != validators(None, 0, "json:35.02")[0]


def test_http_date() -> None:
    assert http_date(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)) == (
        "Sun, 06 Nov 1994 08:49:37 GMT"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        # If-None-Match: weak comparison, lists, *
        ({"If-None-Match": ETAG}, True),
        ({"if-none-match": ETAG}, True),
        ({"IF-NONE-MATCH": OPAQUE}, True),  # strong tag, same opaque value: weak match
        ({"If-None-Match": f'"other", {ETAG}'}, True),
        ({"If-None-Match": f'W/"a",{OPAQUE} , "b"'}, True),
        ({"If-None-Match": "*"}, True),
        ({"If-None-Match": " * "}, True),
        ({"If-None-Match": '"other"'}, False),
        ({"If-None-Match": 'W/"other", "another"'}, False),
        ({"If-None-Match": OPAQUE.strip('"')}, False),  # unquoted: malformed
        ({"If-None-Match": ""}, False),
        # If-Modified-Since alone
        ({"If-Modified-Since": LAST_MODIFIED}, True),
        ({"If-Modified-Since": "Tue, 03 Mar 2026 09:00:31 GMT"}, True),
        ({"If-Modified-Since": "Wed, 04 Mar 2026 00:00:00 GMT"}, True),
        ({"If-Modified-Since": "Tue, 03 Mar 2026 09:00:29 GMT"}, False),
        ({"If-Modified-Since": "Mon, 02 Mar 2026 23:59:59 GMT"}, False),
        ({"If-Modified-Since": "Tuesday, 03-Mar-26 09:00:30 GMT"}, True),  # RFC 850
        ({"If-Modified-Since": "Tue Mar  3 09:00:30 2026"}, True),  # asctime
        ({"If-Modified-Since": "kemarin"}, False),
        ({"If-Modified-Since": ""}, False),
        ({"If-Modified-Since": "Tue, 99 Foo 2026 99:99:99 GMT"}, False),
        # If-None-Match present: If-Modified-Since is ignored
        ({"If-None-Match": '"other"', "If-Modified-Since": LAST_MODIFIED}, False),
        (
            {"If-None-Match": '"other"', "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
            False,
        ),
        ({"If-None-Match": ETAG, "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, True),
        ({"If-None-Match": ETAG, "If-Modified-Since": "kemarin"}, True),
    ],
)
def test_not_modified(headers: dict[str, str], expected: bool) -> None:
    assert not_modified(headers, ETAG, LAST_MODIFIED) is expected


def test_after_a_change_the_old_validators_do_not_match() -> None:
    etag, last_modified = validators(CHANGED + timedelta(minutes=5), 13, "rss:x")
    assert not not_modified({"If-None-Match": ETAG}, etag, last_modified)
    assert not not_modified({"If-Modified-Since": LAST_MODIFIED}, etag, last_modified)


def test_repeated_headers_are_combined() -> None:
    class Repeated(dict[str, str]):
        """Stands in for a multi-valued header mapping such as Starlette's ``Headers``."""

        def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
            return [("if-none-match", '"a"'), ("if-none-match", ETAG)]

    assert not_modified(Repeated(), ETAG, LAST_MODIFIED)


def test_strong_server_etag_also_compares_weakly() -> None:
    assert not_modified({"If-None-Match": 'W/"abc"'}, '"abc"', LAST_MODIFIED)
    assert not not_modified({"If-None-Match": 'W/"abc"'}, "garbage", LAST_MODIFIED)
