"""What the detectors of one screening share: the submission and per-field analyses
computed at most once (``detect_pii`` and the watched-word scan are the costly ones)."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Submission
from .pii import PiiHit, find_pii
from .spam import Link, find_links
from .watchwords import WatchedWord, WordMatch, find_watched


class ScreenContext:
    def __init__(self, submission: Submission, watched: Sequence[WatchedWord]) -> None:
        self.submission = submission
        self.watched = tuple(watched)
        self._pii: dict[str, list[PiiHit]] = {}
        self._words: dict[str, list[WordMatch]] = {}
        self._links: dict[str, list[Link]] = {}

    def fields(self, only: Sequence[str] | None = None) -> list[tuple[str, str]]:
        """``(name, text)`` of the fields to screen, all of them or those named."""
        items = self.submission.fields.items()
        return [(k, v) for k, v in items if v and (only is None or k in only)]

    def pii(self, field: str) -> list[PiiHit]:
        if field not in self._pii:
            self._pii[field] = find_pii(self.submission.fields[field])
        return self._pii[field]

    def words(self, field: str) -> list[WordMatch]:
        if field not in self._words:
            self._words[field] = find_watched(self.submission.fields[field], self.watched)
        return self._words[field]

    def links(self, field: str) -> list[Link]:
        if field not in self._links:
            self._links[field] = find_links(self.submission.fields[field])
        return self._links[field]
