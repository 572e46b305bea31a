"""``kim projections check`` compares row by row: equal contents have equal hashes whatever
order they were read in, and every differing, missing or extra key is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kim_shared.projections.check import compare
from kim_shared.projections.kim.rows import Kim
from kim_shared.projections.regions import Region

from .support import kim_state, member, region


def regions(*codes: str) -> dict[str, Region]:
    return {c: Region.of(region(c)) for c in codes}


def test_equal_contents_have_equal_hashes_in_any_order() -> None:
    source = regions("35", "35.02", "35.02.01")
    projected = dict(reversed(list(source.items())))
    c = compare(source, projected)
    assert c.equal
    assert (c.differing, c.missing, c.extra) == ((), (), ())
    assert c.source_digest == c.projected_digest
    assert (c.source_count, c.projected_count) == (3, 3)


def test_every_differing_missing_and_extra_key_is_named() -> None:
    source = regions("35", "35.02", "35.02.01", "35.02.01.2001")
    projected = regions("35", "35.02", "35.19")
    projected["35.02"] = replace(projected["35.02"], active=False)
    c = compare(source, projected)
    assert not c.equal
    assert c.differing == ("35.02",)
    assert c.missing == ("35.02.01", "35.02.01.2001")
    assert c.extra == ("35.19",)


def test_a_roster_difference_is_a_difference() -> None:
    state = kim_state(member(1).member_id, 3, roster=(member(1, "ketua"), member(2)))
    source = {"k": Kim.of(state)}
    ended = member(2, end=date(2025, 12, 31))  # the same member with a term end
    term = state.model_copy(update={"roster": [member(1, "ketua"), ended]})
    assert compare(source, {"k": Kim.of(state)}).equal
    c = compare(source, {"k": Kim.of(term)})
    assert c.differing == ("k",)
    assert not c.equal, "the same keys with other values hash differently"
    assert c.source_digest != c.projected_digest
