"""JSON logs carrying W3C trace and correlation ids.

One JSON object per line: ``time`` (ISO-8601 UTC), ``level``, ``logger``,
``message``, ``service``, then ``trace_id``, ``span_id``, ``correlation_id``
when a trace is bound, any ``extra={...}`` fields, and ``exc_info`` (the
formatted traceback) when the record has one.

The ids live in a context variable, so they follow a request or a consumed
event through ``await`` without being passed around:

- HTTP: :class:`kim_shared.http.tracing.TracingMiddleware` binds them per request.
- Events: a consumer binds the CloudEvents ``traceparent`` / ``correlationid``
  extensions with ``with traced(event.traceparent, event.correlationid): ...``.
- Producing: :func:`current_trace` gives the values to copy into new events.

Binding always starts a *new span* (fresh ``span_id``) under the incoming
trace: the request or message being processed is a child of its sender.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


@dataclass(frozen=True)
class TraceContext:
    """The trace this code runs in: W3C ids plus our correlation id."""

    trace_id: str  # 32 lowercase hex
    span_id: str  # 16 lowercase hex: this process's span
    flags: str  # 2 lowercase hex, e.g. "01" = sampled
    correlation_id: str
    parent_span_id: str | None = None

    @property
    def traceparent(self) -> str:
        """``traceparent`` naming this span: send it downstream and in new events."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


_current: ContextVar[TraceContext | None] = ContextVar("kim_trace", default=None)


def parse_traceparent(value: str | None) -> tuple[str, str, str] | None:
    """``(trace_id, parent_span_id, flags)`` of a valid W3C ``traceparent``, else None."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    if version == "00" and rest is not None:  # version 00 has exactly four fields
        return None
    return trace_id, span_id, flags


def valid_correlation_id(value: str | None) -> str | None:
    """``value`` if it is a safe correlation id (1-128 of ``A-Za-z0-9._:-``), else None."""
    if value is not None and _CORRELATION_ID.match(value):
        return value
    return None


def new_trace_context(traceparent: str | None, correlation_id: str | None) -> TraceContext:
    """A new span: child of ``traceparent`` when valid, else the root of a new trace.

    An absent or unsafe ``correlation_id`` is replaced by a new uuid4.
    """
    parsed = parse_traceparent(traceparent)
    if parsed is None:
        trace_id, parent, flags = secrets.token_hex(16), None, "01"
    else:
        trace_id, parent, flags = parsed
    return TraceContext(
        trace_id=trace_id,
        span_id=secrets.token_hex(8),
        flags=flags,
        correlation_id=valid_correlation_id(correlation_id) or str(uuid.uuid4()),
        parent_span_id=parent,
    )


def bind_trace(
    traceparent: str | None, correlation_id: str | None
) -> tuple[TraceContext, Token[TraceContext | None]]:
    """Bind a new span (see :func:`new_trace_context`) to the current context.

    Returns the bound context and a token for :func:`reset_trace`. Prefer
    :func:`traced`, which resets for you.
    """
    context = new_trace_context(traceparent, correlation_id)
    return context, _current.set(context)


def reset_trace(token: Token[TraceContext | None]) -> None:
    """Undo a :func:`bind_trace`."""
    _current.reset(token)


@contextmanager
def traced(traceparent: str | None, correlation_id: str | None) -> Iterator[TraceContext]:
    """``with traced(tp, cid) as trace:`` binds a new span for the block."""
    context, token = bind_trace(traceparent, correlation_id)
    try:
        yield context
    finally:
        _current.reset(token)


def current_trace() -> TraceContext | None:
    """The bound trace (``.traceparent``, ``.correlation_id``, ...), or None outside one."""
    return _current.get()


# --- formatting ---------------------------------------------------------------------

_RESERVED = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "service", "trace_id", "span_id", "correlation_id"}
)


def _trace_fields(record: logging.LogRecord) -> dict[str, str]:
    """Ids stamped on the record by the record factory, else those bound now."""
    fields: dict[str, str] = {}
    for name in ("trace_id", "span_id", "correlation_id"):
        value = getattr(record, name, None)
        if value:
            fields[name] = str(value)
    if not fields:
        context = _current.get()
        if context is not None:
            fields = {
                "trace_id": context.trace_id,
                "span_id": context.span_id,
                "correlation_id": context.correlation_id,
            }
    return fields


_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """Render a record as one line of JSON (see the module docstring for fields).

    Cheap per line, since uvicorn's access log passes through it on every request: the
    ``time`` prefix is formatted once per second, the extra fields are found with one set
    difference and the encoder is built once (about a third of the naive cost).
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second, self._second_text = second, stamp
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        entry.update(_trace_fields(record))
        extra = record.__dict__.keys() - _RESERVED
        if extra:
            for key in sorted(extra):
                if not key.startswith("_"):
                    entry[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return _ENCODER.encode(entry)


_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
_HANDLER_MARK = "_kim_handler"
_factory_installed = False


def _install_record_factory() -> None:
    """Stamp every new record with the ids bound at the moment it was created.

    Stamping at creation (not at format time) keeps the right ids even when a
    handler formats later or elsewhere (queues, pytest's caplog).
    """
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        context = _current.get()
        if context is not None:
            record.trace_id = context.trace_id
            record.span_id = context.span_id
            record.correlation_id = context.correlation_id
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def _skip_unused_record_fields() -> None:
    """Do not collect what the JSON lines never show (the logging documentation's
    "Optimization" section): the caller's file and line (a walk up the stack for every
    record), thread, process and multiprocessing names."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(service: str, level: str | int = "INFO", json: bool = True) -> None:
    """Send all logs (including uvicorn's) to stderr, one JSON object per line.

    Idempotent: a second call replaces the handler this function installed and
    leaves other handlers (e.g. pytest's) alone. Run uvicorn with
    ``log_config=None`` so it does not install its own handlers afterwards.
    """
    _install_record_factory()
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    if json:
        handler.setFormatter(JsonFormatter(service))
        _skip_unused_record_fields()
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, defaults={"correlation_id": "-"}))
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
