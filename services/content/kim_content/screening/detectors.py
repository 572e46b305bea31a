"""One detector per rule kind: ``(context, params, action) → findings``.

Each kind has a pydantic model for its ``params`` (unknown keys refused), checked
when rules are loaded. ``fields`` (every kind but ``children_consent``) limits a
rule to some fields; by default it reads them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from lokal.samaran import PII_TYPES
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .context import ScreenContext
from .model import Action, Finding, action_rank, mask_preview
from .pii import find_nik_shaped, select
from .spam import domain_allowed, find_contacts, find_repeated, find_repeated_words, is_shouting
from .watchwords import censor

_PII_KINDS = frozenset(t.lower() for t in PII_TYPES)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Only these fields (by name); None = every field of the submission.
    fields: list[str] | None = None


class PiiParams(Params):
    #: lokal types in lower case: nik, kk, phone, email, address, npwp, …
    types: list[str] = Field(min_length=1)
    min_confidence: Literal["high", "medium"] = "medium"
    #: Words that name a public place ("balai desa", "puskesmas"): an address right after
    #: one of them (same sentence, within 60 characters) is the place's, not a person's.
    public_places: list[str] = Field(default_factory=list)
    #: Action for such an address; the rule's action for every other hit.
    public_place_action: Action = "review"

    @field_validator("types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - _PII_KINDS)
        if unknown:
            raise ValueError(f"unknown personal data types: {', '.join(unknown)}")
        return value


class NikShapeParams(Params):
    #: Action when the number is a structurally valid NIK (personal data).
    valid_action: Action = "block"


class WatchedParams(Params):
    #: Only words of these categories; None = all.
    categories: list[str] | None = None


class LinksParams(Params):
    max_links: int = Field(default=3, ge=0)


class DomainParams(Params):
    allowed_domains: list[str] = Field(
        default_factory=lambda: ["go.id", "desa.id", "sch.id", "ac.id", "or.id"]
    )


class RepeatedParams(Params):
    min_chars: int = Field(default=20, ge=1)
    min_repeats: int = Field(default=3, ge=2)
    min_word_run: int = Field(default=5, ge=2)


class ShoutingParams(Params):
    min_letters: int = Field(default=40, ge=1)
    ratio: float = Field(default=0.7, gt=0, le=1)


class ContactParams(Params):
    pass


class ChildrenParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _finding(field: str, start: int, end: int, category: str, text: str, action: Action) -> Finding:
    return Finding(
        field=field,
        start=start,
        end=end,
        category=category,
        preview=mask_preview(text[start:end]),
        action=action,
    )


_SENTENCE_END = re.compile(r"[.!?\n]\s")


@lru_cache(maxsize=64)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole words or phrases, any case: ``pura`` finds "Pura Agung", not "Purabaya"."""
    cleaned = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def detect_personal_data(ctx: ScreenContext, p: PiiParams, action: Action) -> list[Finding]:
    places = _words_pattern(tuple(p.public_places))

    def action_for(text: str, start: int) -> Action:
        if places is not None:
            before = _SENTENCE_END.split(text[max(0, start - 60) : start])[-1]
            if places.search(before) is not None:
                return p.public_place_action
        return action

    return [
        _finding(name, h.start, h.end, h.kind, text, action_for(text, h.start))
        for name, text in ctx.fields(p.fields)
        for h in select(ctx.pii(name), p.types, p.min_confidence)
    ]


def detect_nik_shape(ctx: ScreenContext, p: NikShapeParams, action: Action) -> list[Finding]:
    return [
        _finding(name, h.start, h.end, h.kind, text, p.valid_action if h.kind == "nik" else action)
        for name, text in ctx.fields(p.fields)
        for h in find_nik_shaped(text, ctx.pii(name))
    ]


def detect_watched(ctx: ScreenContext, p: WatchedParams, action: Action) -> list[Finding]:
    """Each word keeps its own action, capped by the rule's action."""
    out: list[Finding] = []
    for name, text in ctx.fields(p.fields):
        for m in ctx.words(name):
            if p.categories is not None and m.word.category not in p.categories:
                continue
            word_action = m.word.action
            capped = word_action if action_rank(word_action) <= action_rank(action) else action
            out.append(
                Finding(
                    field=name,
                    start=m.start,
                    end=m.end,
                    category=m.word.category,
                    preview=censor(text[m.start : m.end], [(0, m.end - m.start)]),
                    action=capped,
                )
            )
    return out


def detect_links(ctx: ScreenContext, p: LinksParams, action: Action) -> list[Finding]:
    links = [(name, link) for name, _ in ctx.fields(p.fields) for link in ctx.links(name)]
    if len(links) <= p.max_links:
        return []
    return [
        Finding(
            field=name, start=lk.start, end=lk.end, category="link", preview=lk.host, action=action
        )
        for name, lk in links
    ]


def detect_unknown_domain(ctx: ScreenContext, p: DomainParams, action: Action) -> list[Finding]:
    return [
        Finding(
            field=name,
            start=lk.start,
            end=lk.end,
            category="unknown_domain",
            preview=lk.host,
            action=action,
        )
        for name, _ in ctx.fields(p.fields)
        for lk in ctx.links(name)
        if not domain_allowed(lk.host, p.allowed_domains)
    ]


def detect_repeated(ctx: ScreenContext, p: RepeatedParams, action: Action) -> list[Finding]:
    out: list[Finding] = []
    for name, text in ctx.fields(p.fields):
        spans = find_repeated(text, min_chars=p.min_chars, min_repeats=p.min_repeats)
        spans += find_repeated_words(text, min_run=p.min_word_run)
        out += [_finding(name, s.start, s.end, s.label, text, action) for s in spans]
    return out


def detect_shouting(ctx: ScreenContext, p: ShoutingParams, action: Action) -> list[Finding]:
    return [
        _finding(name, 0, len(text), "shouting", text, action)
        for name, text in ctx.fields(p.fields)
        if is_shouting(text, min_letters=p.min_letters, ratio=p.ratio)
    ]


def detect_contact(ctx: ScreenContext, p: ContactParams, action: Action) -> list[Finding]:
    return [
        _finding(name, s.start, s.end, s.label, text, action)
        for name, text in ctx.fields(p.fields)
        for s in find_contacts(text)
    ]


def detect_children(ctx: ScreenContext, p: ChildrenParams, action: Action) -> list[Finding]:
    sub = ctx.submission
    if not sub.shows_children or sub.guardian_consent:
        return []
    return [
        Finding(
            field="shows_children", start=0, end=0, category="children", preview="", action=action
        )
    ]


@dataclass(frozen=True, slots=True)
class Kind:
    params: type[BaseModel]
    detect: Callable[[ScreenContext, Any, Action], list[Finding]]


#: Rule kind → its params model and detector. A kind not listed here is refused at load.
KINDS: Mapping[str, Kind] = {
    "pii": Kind(PiiParams, detect_personal_data),
    "nik_shape": Kind(NikShapeParams, detect_nik_shape),
    "watched_words": Kind(WatchedParams, detect_watched),
    "links": Kind(LinksParams, detect_links),
    "unknown_domain": Kind(DomainParams, detect_unknown_domain),
    "repeated_text": Kind(RepeatedParams, detect_repeated),
    "shouting": Kind(ShoutingParams, detect_shouting),
    "contact": Kind(ContactParams, detect_contact),
    "children_consent": Kind(ChildrenParams, detect_children),
}
