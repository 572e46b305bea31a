"""Every problem type a service or the kit can answer has an Indonesian sentence in the
portal (``kim_portal.clients.problem_texts``): a person reading the portal never gets only
an English refusal. The types are read from the source (``slug="…"`` and the error
family's ``default_slug``), so a new one fails here until it is given a sentence."""

from __future__ import annotations

import re
from pathlib import Path

from kim_portal.clients.problem_texts import TEXTS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    *sorted((ROOT / "shared" / "kim_shared").rglob("*.py")),
    *(
        path
        for service in ("registry", "content", "marketplace", "mentoring")
        for path in sorted((ROOT / "services" / service / f"kim_{service}").rglob("*.py"))
    ),
]
SLUG = re.compile(r'\b(?:default_)?slug\s*(?::[^=\n]+)?=\s*"([a-z0-9-]+)"')


def raised_types() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        for slug in SLUG.findall(path.read_text()):
            found.setdefault(slug, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_types_it_should() -> None:
    found = raised_types()
    assert len(found) > 50
    assert {"validation-error", "not-found", "day-not-yet", "out-of-stock"} <= set(found)


def test_every_problem_type_has_an_indonesian_sentence() -> None:
    missing = {slug: where for slug, where in raised_types().items() if slug not in TEXTS}
    assert missing == {}


def test_no_sentence_is_left_for_a_type_nobody_raises() -> None:
    assert set(TEXTS) - set(raised_types()) == set()
