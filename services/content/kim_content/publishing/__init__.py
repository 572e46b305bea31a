"""Publishing helpers: pure functions, no database, broker or HTTP.

``render`` turns Markdown into sanitised HTML, plain text and summaries; ``feeds``
writes RSS 2.0 and JSON Feed 1.1; ``search_text`` stems Indonesian text for
PostgreSQL full-text search; ``conditional`` gives ETag/Last-Modified and evaluates
conditional GETs. Parsers, cleaners and the stemmer are built on first use.
"""

from kim_content.publishing.conditional import http_date, not_modified, validators
from kim_content.publishing.feeds import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    FeedInfo,
    FeedItem,
    category_label,
    feed_title,
    json_feed,
    rss,
)
from kim_content.publishing.render import plain_text, render_markdown, summary
from kim_shared.search_text import stem_document, stem_query, stem_word

__all__ = [
    "CATEGORY_LABELS",
    "LEVEL_LABELS",
    "FeedInfo",
    "FeedItem",
    "category_label",
    "feed_title",
    "http_date",
    "json_feed",
    "not_modified",
    "plain_text",
    "render_markdown",
    "rss",
    "stem_document",
    "stem_query",
    "stem_word",
    "summary",
    "validators",
]
