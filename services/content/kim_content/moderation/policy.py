"""The screening policy of a kabupaten: the rule set and the watched words it screens with.

Until a kabupaten changes them, both are the platform defaults shipped as data with the
screening engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from kim_content.screening.rules import Rule, default_rules
from kim_content.screening.watchwords import WatchedWord, seed_words
from kim_shared.db import Connection


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[Rule, ...]
    watched: tuple[WatchedWord, ...]


async def policy_of(conn: Connection, kabupaten_code: str) -> Policy:
    """The kabupaten's rules and watched words (the defaults for now)."""
    del conn, kabupaten_code
    return Policy(tuple(default_rules()), seed_words())
