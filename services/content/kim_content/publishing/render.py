"""Article bodies: Markdown to safe HTML, plain text and summaries.

Markdown is parsed by markdown-it-py (CommonMark, raw HTML disabled, tables on) and the
HTML is then cleaned by nh3 (ammonia) with an explicit allow list, so a ``<script>`` typed
into an article is shown as text and never runs. Headings are shifted into ``h2`` to ``h4``
(the article title is the page's ``h1``). Links get ``rel="nofollow noopener ugc"``;
only ``https``/``http``/``mailto`` links and ``https`` images survive.

Parser and cleaner are built on first use (cached), never at import time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

LINK_REL = "nofollow noopener ugc"
ALLOWED_TAGS = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "strong",
        "em",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "img",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "hr",
    }
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"style"}),
    "td": frozenset({"style"}),
}
LINK_SCHEMES = frozenset({"https", "http", "mailto"})
_HEADING_TAGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
_SPACE = re.compile(r"\s+")
_TRAILING = ",;:\u2013\u2014-("
ELLIPSIS = "…"


def _is_https(url: str) -> bool:
    return url.strip().lower().startswith("https://")


def _adjust(state: StateCore) -> None:
    """Core rule: clamp headings to h2 to h4; drop images that are not https (alt text stays)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAGS.get(token.tag, token.tag)
        elif token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "image" and not _is_https(str(child.attrGet("src") or "")):
                    child.type = "text"
                    child.tag = ""
                    child.attrs = {}
                    child.content = "".join(c.content for c in child.children or [])
                    child.children = None


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.core.ruler.push("kim_adjust", _adjust)
    return md


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _is_https(value) else None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        link_rel=LINK_REL,
        url_schemes=LINK_SCHEMES,
        url_relative="deny",
        filter_style_properties=frozenset({"text-align"}),
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """The article body as sanitised HTML (safe to embed in a page or a feed)."""
    return _cleaner().clean(_parser().render(source))


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
        else:
            parts.append(child.content)
    return "".join(parts)


def plain_text(source: str) -> str:
    """The body without markup, one line per block (for summaries and the search index).

    The result is text, not HTML: a caller that puts it into HTML must escape it.
    """
    blocks: list[str] = []
    for token in _parser().parse(source):
        if token.type == "inline":
            text = _inline_text(token.children or [])
        elif token.type in ("fence", "code_block"):
            text = token.content
        else:
            continue
        text = _SPACE.sub(" ", text).strip()
        if text:
            blocks.append(text)
    return "\n".join(blocks)


def summary(source: str, limit: int = 280) -> str:
    """The body as one line of plain text of at most ``limit`` characters.

    A longer text is cut at the last word boundary that leaves room for "…".
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = _SPACE.sub(" ", plain_text(source)).strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " ":
        cut = head.rfind(" ")
        if cut > 0:
            head = head[:cut]
    return head.rstrip().rstrip(_TRAILING).rstrip() + ELLIPSIS
