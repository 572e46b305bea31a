"""Spam signals: links and their domains, repeated text, shouting, contact numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TLDS = (
    "com|net|org|info|biz|xyz|top|site|online|club|vip|live|link|shop|store|app|io|co|me|ly|gl|"
    "id|asia|pro|cc|tv|ws|to|in|us|uk|sg|my"
)
#: ``https://…``, ``www.…`` and bare domains with a known TLD (``bit.ly/x``, ``situs.xyz``);
#: not the domain of an e-mail address (``@`` before it).
_URL = re.compile(
    r"(?<![@\w.-])(?:(?:https?://|www\.)[^\s<>\"'()\[\]{}]+"
    rf"|(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?!\.\w|@)(?:/[^\s<>\"'()\[\]{{}}]*)?)",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:https?://)?(?:[^@/\s]+@)?([^/:?#\s]+)", re.IGNORECASE)
_TRAILING = ".,;:!?"


@dataclass(frozen=True, slots=True)
class Link:
    start: int
    end: int
    host: str


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str


def find_links(text: str) -> list[Link]:
    """Links in ``text`` with their lower-case host (``www.`` removed)."""
    out: list[Link] = []
    for m in _URL.finditer(text):
        value = m.group().rstrip(_TRAILING)
        host_match = _HOST.match(value)
        if host_match is None:
            continue
        host = host_match.group(1).lower().rstrip(".")
        host = host.removeprefix("www.")
        out.append(Link(m.start(), m.start() + len(value), host))
    return out


def domain_allowed(host: str, allowed: Sequence[str]) -> bool:
    """``desa.sukorejo.ponorogo.go.id`` is allowed by ``go.id``; ``go.id.evil.xyz`` is not."""
    host = host.lower()
    return any(
        host == d or host.endswith("." + d) for d in (a.lower().lstrip("*.") for a in allowed)
    )


_SENTENCE = re.compile(r"[^.!?\n]+")
_NON_WORD = re.compile(r"[\W_]+")


def find_repeated(text: str, *, min_chars: int, min_repeats: int) -> list[Span]:
    """Sentences or lines of at least ``min_chars`` characters that occur
    ``min_repeats`` times or more (case and punctuation ignored); every occurrence
    after the first is returned."""
    seen: dict[str, int] = {}
    spans: dict[str, list[Span]] = {}
    for m in _SENTENCE.finditer(text):
        raw = m.group()
        key = _NON_WORD.sub(" ", raw.casefold()).strip()
        if len(key) < min_chars:
            continue
        seen[key] = seen.get(key, 0) + 1
        lead = len(raw) - len(raw.lstrip())
        spans.setdefault(key, []).append(
            Span(m.start() + lead, m.start() + len(raw.rstrip()), "repeated")
        )
    return [s for key, n in seen.items() if n >= min_repeats for s in spans[key][1:]]


_WORD = re.compile(r"[^\W_]+")


def find_repeated_words(text: str, *, min_run: int) -> list[Span]:
    """The same word ``min_run`` times or more in a row (``gacor gacor gacor …``)."""
    out: list[Span] = []
    run_start = run_end = 0
    prev = ""
    count = 0
    for m in _WORD.finditer(text):
        word = m.group().casefold()
        if word == prev:
            count += 1
            run_end = m.end()
        else:
            if count >= min_run:
                out.append(Span(run_start, run_end, "repeated_word"))
            prev, count, run_start, run_end = word, 1, m.start(), m.end()
    if count >= min_run:
        out.append(Span(run_start, run_end, "repeated_word"))
    return out


def is_shouting(text: str, *, min_letters: int, ratio: float) -> bool:
    """At least ``min_letters`` cased letters, and at least ``ratio`` of them upper case."""
    # A cased letter differs from its other-case form: count those differences in C.
    upper = sum(map(str.__ne__, text, text.lower()))
    lower = sum(map(str.__ne__, text, text.upper()))
    letters = upper + lower
    return letters >= min_letters and upper >= ratio * letters


_PHONE_TAIL = r"(?:\+ ?62|62|0) ?8[\d .\-]{7,16}\d"
_CONTACT_WORD = (
    r"(?:hub(?:ungi)?|wa|whatsapp|watsap|whatsap|telp?|telepon|telfon|tlp|call|sms|kontak|cp|"
    r"chat|dm|info)"
)
#: "Hubungi WA 08…", "hub: +62 8…": one to three contact words, then a mobile number.
_CONTACT = re.compile(
    rf"\b{_CONTACT_WORD}\b(?:[\s.:/-]*(?:{_CONTACT_WORD}|di|ke|ya|aja|saja)\b){{0,2}}[\s.:/-]*"
    + _PHONE_TAIL,
    re.IGNORECASE,
)
_CHAT_LINK = re.compile(
    r"\b(?:https?://)?(?:wa\.me/|api\.whatsapp\.com/send|chat\.whatsapp\.com/|t\.me/|"
    r"line\.me/)[^\s<>\"'()]*",
    re.IGNORECASE,
)


def find_contacts(text: str) -> list[Span]:
    """ "Hubungi/WA 08…" and chat links (``wa.me/…``, ``t.me/…``)."""
    out = [Span(m.start(), m.end(), "contact_number") for m in _CONTACT.finditer(text)]
    out += [
        Span(m.start(), m.end() - (len(m.group()) - len(m.group().rstrip(_TRAILING))), "chat_link")
        for m in _CHAT_LINK.finditer(text)
    ]
    out.sort(key=lambda s: s.start)
    return out
