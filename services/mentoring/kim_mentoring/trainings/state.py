"""The state of trainings on the compacted state topic (DESIGN §3): staged, in the caller's
transaction, whenever a training is scheduled or its seat count or waitlist changes. No
participant data."""

from __future__ import annotations

from datetime import datetime

from kim_mentoring.trainings import repository as repo
from kim_mentoring.trainings.repository import TrainingRow
from kim_shared import outbox
from kim_shared.db import Connection
from kim_shared.events.types.mentoring_trainings import TrainingStateChanged
from kim_shared.outbox import EventSource


async def stage_training_state(
    conn: Connection, source: EventSource, training: TrainingRow, now: datetime
) -> None:
    sequence = await repo.next_state_sequence(conn, training.id)
    await outbox.add(
        conn,
        TrainingStateChanged(
            training_id=training.id,
            sequence=sequence,
            status=training.status,
            title=training.title,
            skill=training.skill,
            level=training.level,
            kabupaten_code=training.kabupaten_code,
            online=training.online_url is not None,
            starts_on=training.starts_on,
            ends_on=training.ends_on,
            capacity=training.capacity,
            confirmed=training.confirmed,
            waiting=await repo.waiting(conn, training.id),
            changed_at=now,
        ),
        source,
        kabupaten=training.kabupaten_code,
    )
