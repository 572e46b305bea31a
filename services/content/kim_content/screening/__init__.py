"""Automatic screening of submissions: personal data (UU PDP), watched words after
Indonesian normalisation, spam signals and children's consent.

Pure Python: no database, no Kafka. Rules and watched words are data passed in::

    result = screen(Submission(fields={"title": t, "body": b}), default_rules(), seed_words())
    result.verdict            # "clean" | "flag" | "review" | "block"
    result.model_dump(mode="json")   # for a jsonb column
"""

from .engine import RuleResult, ScreeningResult, screen
from .model import Action, Finding, Outcome, Submission, Verdict, mask_preview
from .rules import Rule, default_rules, load_rules
from .watchwords import WatchedWord, censor, find_watched, parse_watched, seed_words

__all__ = [
    "Action",
    "Finding",
    "Outcome",
    "Rule",
    "RuleResult",
    "ScreeningResult",
    "Submission",
    "Verdict",
    "WatchedWord",
    "censor",
    "default_rules",
    "find_watched",
    "load_rules",
    "mask_preview",
    "parse_watched",
    "screen",
    "seed_words",
]
