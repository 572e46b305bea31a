"""Dead-letter records: the original key and value, plus headers naming the origin.

Headers (all UTF-8 strings): ``kim-dlq-topic``, ``kim-dlq-partition``,
``kim-dlq-offset``, ``kim-dlq-consumer``, ``kim-dlq-error-type``,
``kim-dlq-error``, ``kim-dlq-failed-at``, ``kim-dlq-attempts``; the original
headers are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kim_shared.kafka import OutgoingRecord

PREFIX = "kim-dlq-"
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Origin:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


def dead_letter(
    origin: Origin, *, consumer: str, error_type: str, error: str, attempts: int
) -> OutgoingRecord:
    meta = {
        "topic": origin.topic,
        "partition": str(origin.partition),
        "offset": str(origin.offset),
        "consumer": consumer,
        "error-type": error_type,
        "error": error[:MAX_ERROR_CHARS],
        "failed-at": datetime.now(UTC).isoformat(),
        "attempts": str(attempts),
    }
    headers = [(k, v) for k, v in origin.headers if not k.startswith(PREFIX)]
    headers += [(PREFIX + k, v.encode()) for k, v in meta.items()]
    return OutgoingRecord(
        topic=f"{origin.topic}.dlq", key=origin.key, value=origin.value or b"", headers=headers
    )


def dlq_meta(headers: Sequence[tuple[str, bytes]]) -> Mapping[str, str]:
    """The ``kim-dlq-*`` headers of a dead letter, without the prefix."""
    return {
        k[len(PREFIX) :]: v.decode(errors="replace") for k, v in headers if k.startswith(PREFIX)
    }
