"""JSON logs carrying W3C trace and correlation ids.

One JSON object per line: ``time`` (ISO-8601 UTC), ``level``, ``logger``,
``message``, ``service``, then ``trace_id``, ``span_id`` (the OpenTelemetry span current
when the record was made, see :mod:`kim_shared.tracing`), ``correlation_id`` when one is
bound, any ``extra={...}`` fields, and ``exc_info`` (the formatted traceback) when the
record has one.

Spans are OpenTelemetry's: the HTTP server span of a request (FastAPI instrumentation) or
the consumer span of an event (:func:`kim_shared.tracing.consuming`); the correlation id is
bound beside it (:func:`kim_shared.tracing.correlated`). This module only reads them.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from kim_shared.tracing import current_correlation_id


def _current_ids() -> dict[str, str]:
    """``trace_id``, ``span_id`` of the current span and the bound ``correlation_id``."""
    fields: dict[str, str] = {}
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        fields["trace_id"] = format(context.trace_id, "032x")
        fields["span_id"] = format(context.span_id, "016x")
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        fields["correlation_id"] = correlation_id
    return fields


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
    return fields or _current_ids()


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
        record.__dict__.update(_current_ids())
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
