"""Free text from people: normalised, visible, and bounded.

Names and short texts typed into the platform are shown to other people
(directories, certificates, moderation queues). Characters that render as
nothing or reorder what is shown — zero-width spaces, the byte-order mark,
right-to-left overrides, other control and format characters — let one name
pass for another or look blank, so they are refused (422), not stripped:
the sender learns what was wrong. Text is normalised to NFC first, so the
same name typed on two keyboards is stored the same way.

Use :class:`Text` in request models::

    KimName = Annotated[str, Text(3, 150)]                  # one line
    Notes = Annotated[str, Text(1, 2000, multiline=True)]   # line breaks allowed (CRLF → LF)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
"""Control, format (zero-width, bidi overrides, BOM), surrogate, private use, line/paragraph
separators."""


def _offending(value: str, multiline: bool) -> str | None:
    for ch in value:
        if multiline and ch == "\n":
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return f"U+{ord(ch):04X}"
    return None


def clean(value: str, *, multiline: bool = False) -> str:
    """NFC-normalised ``value`` without surrounding blanks; :class:`ValueError` if it holds
    a control or invisible formatting character, or nothing visible."""
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n")
    bad = _offending(value, multiline)
    if bad is not None:
        allowed = "line breaks are allowed" if multiline else "only ordinary spaces are allowed"
        raise ValueError(
            f"must not contain control or invisible formatting characters (found {bad}); {allowed}"
        )
    value = value.strip()
    if not value:
        raise ValueError("must contain visible text")
    return value


@dataclass(frozen=True, slots=True)
class Text:
    """Pydantic metadata for a ``str`` field: :func:`clean`, then between ``min_length`` and
    ``max_length`` characters (the bounds count the cleaned text)::

        KimName = Annotated[str, Text(3, 150)]
    """

    min_length: int
    max_length: int
    multiline: bool = False

    def check(self, value: str) -> str:
        if len(value) > self.max_length * 4:  # refuse huge input before cleaning it
            raise ValueError(f"must have at most {self.max_length} characters")
        value = clean(value, multiline=self.multiline)
        if len(value) < self.min_length:
            raise ValueError(f"must have at least {self.min_length} characters")
        if len(value) > self.max_length:
            raise ValueError(f"must have at most {self.max_length} characters")
        return value

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out.update(minLength=self.min_length, maxLength=self.max_length)
        return out
