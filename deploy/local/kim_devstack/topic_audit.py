"""Audit what is on the public topics: every record a valid CloudEvent of the right type on
the right topic, its ``data`` valid against the committed JSON Schema, and no personal data.

A test runs a journey (forms a KIM with members who have NIKs, phones and names, writes an
article, registers a seller …), waits until every outbox is drained, then audits every
record the journey put on the catalogue topics (:func:`end_offsets` taken before it, or
from the beginning on a fresh broker). Each record is checked three ways:

* **envelope** — read by the CloudEvents SDK (``cloudevents.core``: Kafka structured mode,
  the spec's required attributes and extension names) and by the platform's own profile
  (:class:`kim_shared.events.envelope.CloudEvent`: UUID ``id``, ``source``, ``time``,
  ``subject``, ``datacontenttype``); ``content-type`` header, key equal to ``subject``,
  ``source`` of the service that owns the type, type declared for this topic;
* **data** — against ``shared/contracts/events/<type>.json`` (what agencies validate against),
  with ``jsonschema`` and its format checker;
* **personal data** — ``lokal.samaran.detect_pii`` over the serialized value, plus every
  exact string the caller forbids (the NIKs, phones and names the journey typed), searched
  case-insensitively in the value, its JSON-decoded text, the key and the headers. A
  ``NAME`` match is tolerated only inside the value of a field that publishes the name of
  an organisation, place, product or training (``name``, ``business_name``: "KIM Tugu Media",
  "Sambel Pecel Bu Sri"); the exact names the journey typed are found there all the same.

A record on a dead-letter topic is a finding too: during a journey nothing may fail.

Use::

    since = await end_offsets(bootstrap)            # before the services start
    ...                                             # the journey; then drain every outbox
    report = await audit_topics(bootstrap, RecordAuditor([nik, phone, full_name]), since=since)
    assert report.findings == [], report.summary()
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from lokal.samaran import detect_pii

from kim_shared.events.base import Event
from kim_shared.events.catalogue import catalogue
from kim_shared.events.contracts import repo_root
from kim_shared.events.envelope import CONTENT_TYPE, CloudEvent, InvalidEnvelope
from kim_shared.events.history import EVENTS_PATH
from kim_shared.events.topics import CATALOGUE, TopicSpec, with_dead_letters

PUBLIC_NAME_FIELDS = frozenset({"name", "business_name"})
"""Fields whose value is a public name (a KIM, a region, a business, a product, a training),
in which ``detect_pii`` reports ``NAME`` because of the key or an honorific ("Bu Sri")."""


@dataclass(frozen=True)
class Finding:
    topic: str
    partition: int
    offset: int
    problem: str

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}: {self.problem}"


@dataclass
class AuditReport:
    records: Counter[str] = field(default_factory=Counter)  # topic → records read
    types: Counter[str] = field(default_factory=Counter)  # event type → records
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{sum(self.records.values())} records on {len(self.records)} topics"]
        lines += [str(f) for f in self.findings[:50]]
        if len(self.findings) > 50:
            lines.append(f"… and {len(self.findings) - 50} more findings")
        return "\n".join(lines)


class RecordAuditor:
    """Checks one record; holds the contracts and the strings no record may contain."""

    def __init__(
        self,
        forbidden: Iterable[str] = (),
        *,
        contracts_dir: Path | None = None,
        models: Mapping[str, type[Event]] | None = None,
    ) -> None:
        self.forbidden = sorted({s.strip() for s in forbidden if s.strip()}, key=str.casefold)
        self.models = models if models is not None else catalogue()
        self.contracts_dir = contracts_dir or repo_root() / EVENTS_PATH
        self._validators: dict[str, Draft202012Validator] = {}

    def check(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> list[str]:
        """Every problem of one record (empty: the record is fine)."""
        if topic.endswith(".dlq"):
            consumer = _header(headers, "kim-dlq-consumer") or "?"
            return [f"dead letter of {consumer}: {_header(headers, 'kim-dlq-error') or '?'}"]
        problems = self._personal_data(key, value, headers)
        if value is None:
            return [*problems, "tombstone: the platform never deletes a key"]
        if _header(headers, "content-type") != CONTENT_TYPE:
            problems.append(f"content-type header is not {CONTENT_TYPE}")
        try:
            from_structured_event(KafkaMessage(headers=dict(headers), key=None, value=value))
        except Exception as exc:  # the SDK raises several kinds; each is a finding
            problems.append(f"CloudEvents SDK refuses the envelope: {exc}")
        try:
            event = CloudEvent.from_bytes(value)
        except InvalidEnvelope as exc:
            problems += self._detected(value, {})
            return [*problems, f"not the platform's CloudEvent profile: {exc}"]
        problems += self._detected(value, event.data)
        if key is None or key.decode(errors="replace") != event.subject:
            problems.append(f"key {key!r} is not the subject {event.subject!r}")
        model = self.models.get(event.type)
        if model is None:
            return [*problems, f"type {event.type} is not in the event catalogue"]
        if model.topic.name != topic:
            problems.append(f"type {event.type} belongs on {model.topic.name}")
        if str(event.data.get(model.subject_field)) != event.subject:
            problems.append(f"subject {event.subject!r} is not data.{model.subject_field}")
        owner = event.type.split(".")[1]
        if event.source != f"/kim/{owner}":
            problems.append(f"source {event.source} did not publish {event.type}")
        problems += self._data(event.type, event.data)
        return problems

    def _data(self, event_type: str, data: dict[str, Any]) -> list[str]:
        validator = self._validators.get(event_type)
        if validator is None:
            path = self.contracts_dir / f"{event_type}.json"
            if not path.exists():
                return [f"no committed JSON Schema {path.name}"]
            schema = json.loads(path.read_text())
            validator = Draft202012Validator(
                schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            self._validators[event_type] = validator
        error = best_match(validator.iter_errors(data))
        if error is None:
            return []
        where = "/".join(map(str, error.absolute_path)) or "<data>"
        return [f"data does not match {event_type}.json at {where}: {error.message}"]

    def _personal_data(
        self, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
    ) -> list[str]:
        texts = [b.decode(errors="replace") for b in (key, value) if b is not None]
        texts += [f"{k}: {v.decode(errors='replace')}" for k, v in headers]
        if value is not None:
            try:  # the same text without JSON escapes (\u00e9, \/)
                texts.append(json.dumps(json.loads(value), ensure_ascii=False))
            except ValueError:
                pass
        haystack = "\n".join(texts).casefold()
        return [
            f"contains the forbidden string {s!r}"
            for s in self.forbidden
            if s.casefold() in haystack
        ]

    def _detected(self, value: bytes, data: Mapping[str, Any]) -> list[str]:
        """What ``detect_pii`` finds in the serialized value, but public names."""
        allowed = set(_public_name_values(data))
        problems = []
        # ids are not personal data, but a UUID's digits can read as a phone number
        text = _UUID.sub("<uuid>", value.decode(errors="replace"))
        for match in detect_pii(text):
            if match.type == "NAME" and any(match.value in name for name in allowed):
                continue
            problems.append(f"personal data ({match.type}, {match.confidence}): {match.value!r}")
        return problems


_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)


def _public_name_values(obj: Any) -> Iterable[str]:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k in PUBLIC_NAME_FIELDS and isinstance(v, str):
                yield v
            else:
                yield from _public_name_values(v)
    elif isinstance(obj, list):
        for item in obj:
            yield from _public_name_values(item)


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v.decode(errors="replace")
    return None


def public_topics(catalogue: Sequence[TopicSpec] = CATALOGUE) -> tuple[TopicSpec, ...]:
    """The catalogue's topics and their dead-letter topics (what a journey may touch)."""
    return with_dead_letters(tuple(catalogue))


async def end_offsets(
    bootstrap: str, topics: Iterable[TopicSpec] | None = None
) -> dict[TopicPartition, int]:
    """Where each partition ends now: audit from here to see only what comes after."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = _partitions(topics)
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


def _partitions(topics: Iterable[TopicSpec] | None) -> list[TopicPartition]:
    specs = tuple(topics) if topics is not None else public_topics()
    return [TopicPartition(t.name, p) for t in specs for p in range(t.partitions)]


async def audit_topics(
    bootstrap: str,
    auditor: RecordAuditor,
    *,
    topics: Iterable[TopicSpec] | None = None,
    since: Mapping[TopicPartition, int] | None = None,
    within: float = 60.0,
) -> AuditReport:
    """Read every record of ``topics`` (default: the catalogue and its dead-letter topics)
    from ``since`` (default: the beginning) up to their current end, and audit each one."""
    tps = _partitions(topics)
    report = AuditReport()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        todo: dict[TopicPartition, int] = {}
        for tp in tps:
            first = max(starts[tp], (since or {}).get(tp, 0))
            if first < ends[tp]:
                consumer.seek(tp, first)
                todo[tp] = ends[tp]
        deadline = time.monotonic() + within
        while todo:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out reading {sorted(map(str, todo))}")
            batches = await consumer.getmany(*todo, timeout_ms=500, max_records=2000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= todo.get(tp, -1):
                        continue
                    report.records[tp.topic] += 1
                    _count_type(report, record.value)
                    for problem in auditor.check(
                        tp.topic, record.key, record.value, list(record.headers)
                    ):
                        report.findings.append(
                            Finding(tp.topic, tp.partition, record.offset, problem)
                        )
            for tp in list(todo):  # compacted topics skip offsets: ask where we are
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return report


def _count_type(report: AuditReport, value: bytes | None) -> None:
    try:
        report.types[str(json.loads(value or b"null")["type"])] += 1
    except (ValueError, TypeError, KeyError):
        report.types["<not a CloudEvent>"] += 1
