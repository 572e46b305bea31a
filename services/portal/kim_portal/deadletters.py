"""The operators' dead-letter overview: what each dead-letter topic holds, read with the
kit's DLQ reader (the same as ``kim dlq list``). Only where a letter came from and why it
failed is shown, never its payload; replaying stays with ``kim dlq replay``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka.errors import KafkaError

from kim_shared.dlq.service import DeadLetter, list_dead_letters
from kim_shared.events.topics import declared_topics

SHOWN_PER_TOPIC = 20


@dataclass(frozen=True)
class TopicLetters:
    topic: str
    total: int
    pending: int
    latest: list[DeadLetter] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    topics: list[TopicLetters]
    unreachable: bool = False

    @property
    def pending(self) -> int:
        return sum(t.pending for t in self.topics)


def dead_letter_topics() -> list[str]:
    return [t.name for t in declared_topics() if t.kind == "dead_letter"]


async def overview(bootstrap: str, *, timeout_s: float) -> Overview:
    topics = dead_letter_topics()
    try:
        found = await asyncio.wait_for(
            asyncio.gather(*(list_dead_letters(bootstrap, t) for t in topics)), timeout_s
        )
    except (TimeoutError, OSError, KafkaError):
        return Overview(topics=[], unreachable=True)
    out = []
    for topic, letters in zip(topics, found, strict=True):
        pending = [d for d in letters if not d.replayed]
        out.append(
            TopicLetters(
                topic=topic,
                total=len(letters),
                pending=len(pending),
                latest=pending[-SHOWN_PER_TOPIC:],
            )
        )
    return Overview(topics=out)
