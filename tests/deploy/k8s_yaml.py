"""A strict reader for the YAML subset the Kubernetes manifests use.

PyYAML is not a dependency of this workspace, and the manifests must really be
parsed (not grepped) by the tests. This reader covers block-style YAML as
written in ``deploy/k8s``: ``---`` documents, ``#`` comments, block mappings
and sequences (``- key: value`` items included), plain / single-quoted /
double-quoted scalars, flow sequences of scalars (``[a, "b"]``), empty ``{}``
and ``[]``, and literal block scalars (``|`` and ``|-``).

Anything else (anchors, aliases, tags, folded scalars, multi-line flow or
quoted scalars, duplicate keys, tabs, YAML 1.1 booleans such as ``yes``/``on``
that Kubernetes tooling would silently turn into booleans) raises
:class:`YamlSubsetError`, so a manifest that this reader accepts means the same
to ``kubectl``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")
_AMBIGUOUS = frozenset(
    {"y", "n", "yes", "no", "on", "off"} | {"Y", "N", "Yes", "No", "On", "Off", "YES", "NO", "ON"}
)
_NULL = frozenset({"null", "Null", "NULL", "~"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


class YamlSubsetError(ValueError):
    pass


@dataclass
class _Line:
    number: int  # 1-based, for messages
    indent: int
    text: str  # without indentation and without the line break


def _is_skippable(line: _Line) -> bool:
    return line.text == "" or line.text.startswith("#")


class _Parser:
    def __init__(self, lines: list[_Line], source: str) -> None:
        self.lines = lines
        self.pos = 0
        self.source = source

    def fail(self, message: str, line: _Line | None = None) -> YamlSubsetError:
        where = f"{self.source}:{line.number}" if line else self.source
        return YamlSubsetError(f"{where}: {message}")

    def peek(self) -> _Line | None:
        while self.pos < len(self.lines) and _is_skippable(self.lines[self.pos]):
            self.pos += 1
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    # -- nodes -------------------------------------------------------------

    def parse_document(self) -> Any:
        line = self.peek()
        if line is None:
            return None
        if line.indent != 0:
            raise self.fail("a document must start at column 0", line)
        value = self.parse_node(line.indent)
        rest = self.peek()
        if rest is not None:
            raise self.fail(f"unexpected content: {rest.text!r}", rest)
        return value

    def parse_node(self, indent: int) -> Any:
        line = self.peek()
        assert line is not None
        if _is_sequence_item(line.text):
            return self.parse_sequence(indent)
        return self.parse_mapping(indent)

    def parse_sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while True:
            line = self.peek()
            if line is None or line.indent < indent:
                return items
            if line.indent > indent:
                raise self.fail("unexpected indentation", line)
            if not _is_sequence_item(line.text):
                return items
            rest = line.text[1:]
            stripped = rest.lstrip(" ")
            if stripped == "" or stripped.startswith("#"):
                self.pos += 1
                child = self.peek()
                if child is None or child.indent <= indent:
                    items.append(None)
                else:
                    items.append(self.parse_node(child.indent))
                continue
            item_indent = indent + 1 + (len(rest) - len(stripped))
            if _is_sequence_item(stripped):
                raise self.fail("nested '- - ' sequences are not supported", line)
            if _split_key(stripped) is not None:
                # "- key: value" opens a mapping indented like its first key.
                self.lines[self.pos] = _Line(line.number, item_indent, stripped)
                items.append(self.parse_mapping(item_indent))
            else:
                self.pos += 1
                items.append(self.parse_inline_value(stripped, line, indent))
        return items

    def parse_mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            line = self.peek()
            if line is None or line.indent < indent:
                return result
            if line.indent > indent:
                raise self.fail("unexpected indentation", line)
            if _is_sequence_item(line.text):
                raise self.fail("a sequence item where a mapping key was expected", line)
            split = _split_key(line.text)
            if split is None:
                raise self.fail(f"expected 'key: value', got {line.text!r}", line)
            raw_key, rest = split
            key = _parse_key(raw_key, self, line)
            if key in result:
                raise self.fail(f"duplicate key {key!r}", line)
            self.pos += 1
            value_text = _strip_comment(rest, self, line)
            if value_text == "":
                child = self.peek()
                if child is not None and child.indent > indent:
                    result[key] = self.parse_node(child.indent)
                elif child is not None and child.indent == indent and _is_sequence_item(child.text):
                    result[key] = self.parse_sequence(indent)
                else:
                    result[key] = None
            else:
                result[key] = self.parse_inline_value(value_text, line, indent)

    def parse_inline_value(self, text: str, line: _Line, indent: int) -> Any:
        text = _strip_comment(text, self, line)
        if text in ("|", "|-"):
            return self.parse_literal(indent, keep_final_newline=text == "|")
        if text[:1] in (">", "&", "*", "!", "%", "@", "`") or text.startswith("|"):
            raise self.fail(f"unsupported YAML construct: {text!r}", line)
        if text.startswith("["):
            return _parse_flow_sequence(text, self, line)
        if text.startswith("{"):
            if text.replace(" ", "") == "{}":
                return {}
            raise self.fail("only empty flow mappings '{}' are supported", line)
        return _parse_scalar(text, self, line)

    def parse_literal(self, parent_indent: int, *, keep_final_newline: bool) -> str:
        collected: list[_Line] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.text != "" and line.indent <= parent_indent:
                break
            collected.append(line)
            self.pos += 1
        while collected and collected[-1].text == "":
            collected.pop()
        if not collected:
            return ""
        block_indent = min(line.indent for line in collected if line.text != "")
        body = "\n".join(
            " " * (line.indent - block_indent) + line.text if line.text else ""
            for line in collected
        )
        return body + "\n" if keep_final_newline else body


# -- scalars -----------------------------------------------------------------


def _is_sequence_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _split_key(text: str) -> tuple[str, str] | None:
    """``key: rest`` → (raw key, rest); None when the text is not a mapping entry."""
    if text[:1] in ('"', "'"):
        quote = text[0]
        end = _closing_quote(text, quote)
        if end is None:
            return None
        after = text[end + 1 :]
        if after == ":" or after.startswith(": "):
            return text[: end + 1], after[1:].lstrip(" ")
        return None
    if text.startswith(("[", "{", "#")):
        return None
    match = re.search(r":( |$)", text)
    if match is None:
        return None
    key = text[: match.start()]
    if " #" in key:
        return None
    return key, text[match.end() :].lstrip(" ")


def _closing_quote(text: str, quote: str) -> int | None:
    i = 1
    while i < len(text):
        ch = text[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _strip_comment(text: str, parser: _Parser, line: _Line) -> str:
    text = text.strip(" ")
    if text.startswith("#"):
        return ""
    if text[:1] in ('"', "'"):
        end = _closing_quote(text, text[0])
        if end is None:
            raise parser.fail("unterminated or multi-line quoted scalar", line)
        rest = text[end + 1 :].strip(" ")
        if rest and not rest.startswith("#"):
            raise parser.fail(f"text after a quoted scalar: {rest!r}", line)
        return text[: end + 1]
    index = text.find(" #")
    return text[:index].rstrip(" ") if index >= 0 else text


def _parse_key(raw: str, parser: _Parser, line: _Line) -> str:
    value = _parse_scalar(raw, parser, line)
    if not isinstance(value, str):
        raise parser.fail(f"keys must be strings, got {raw!r} (quote it)", line)
    return value


def _parse_scalar(text: str, parser: _Parser, line: _Line) -> Any:
    if text.startswith('"'):
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise parser.fail(f"bad double-quoted scalar {text!r}: {exc}", line) from exc
        return value
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text[:1] in ("&", "*", "!", "%", "@", "`", "|", ">", "?", "{", "["):
        raise parser.fail(f"unsupported YAML construct: {text!r}", line)
    if text in _AMBIGUOUS:
        raise parser.fail(f"{text!r} is a boolean to some YAML readers: quote it", line)
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if re.match(r"^[-+]?0[0-9]+$", text):
        raise parser.fail(f"{text!r} has a leading zero (octal to some readers): quote it", line)
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if ": " in text or text.endswith(":"):
        raise parser.fail(f"plain scalar with ': ' inside: {text!r} (quote it)", line)
    return text


def _parse_flow_sequence(text: str, parser: _Parser, line: _Line) -> list[Any]:
    if not text.endswith("]"):
        raise parser.fail("flow sequences must be on one line", line)
    inner = text[1:-1].strip()
    if not inner:
        return []
    items: list[str] = []
    current = ""
    quote: str | None = None
    for ch in inner:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            current += ch
        elif ch in "[]{}":
            raise parser.fail("nested flow collections are not supported", line)
        elif ch == ",":
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    if any(item == "" for item in items):
        raise parser.fail("empty item in a flow sequence", line)
    return [_parse_scalar(item, parser, line) for item in items]


# -- entry points -------------------------------------------------------------


def _lines(text: str, source: str) -> list[list[_Line]]:
    documents: list[list[_Line]] = [[]]
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.rstrip(" \r")
        stripped = body.lstrip(" ")
        if "\t" in body[: len(body) - len(stripped)]:
            raise YamlSubsetError(f"{source}:{number}: tab in indentation")
        if body == "---":
            documents.append([])
            continue
        if body.startswith("--- ") or body == "...":
            raise YamlSubsetError(f"{source}:{number}: unsupported document marker {body!r}")
        documents[-1].append(_Line(number, len(body) - len(stripped), stripped))
    return documents


def load_all(text: str, source: str = "<string>") -> list[Any]:
    """Every non-empty document of a YAML stream."""
    documents = []
    for lines in _lines(text, source):
        value = _Parser(lines, source).parse_document()
        if value is not None:
            documents.append(value)
    return documents


def load(text: str, source: str = "<string>") -> Any:
    """The only document of a YAML stream."""
    documents = load_all(text, source)
    if len(documents) != 1:
        raise YamlSubsetError(f"{source}: expected one document, found {len(documents)}")
    return documents[0]


def load_file(path: Path) -> list[Any]:
    return load_all(path.read_text(encoding="utf-8"), str(path))
