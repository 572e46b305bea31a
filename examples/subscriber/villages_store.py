"""The example subscriber's local table: every KIM by village, in SQLite (standard library).

One row per KIM with its latest state. Three rules make the table the same however often
records arrive:

* an event whose CloudEvents ``id`` was applied before is skipped (``seen_event``);
* a state whose ``revision`` is not newer than the row's is skipped (a late or replayed copy);
* a tombstone (a record without value) deletes the KIM and remembers the revision it had,
  so an older state replayed later cannot bring it back. The platform does not send
  tombstones today (a dissolved KIM keeps its last state); the table handles them anyway.

``seen_event`` grows with every event; a long-running subscriber deletes ids older than the
longest time a copy can come back (see docs/subscribers.md, "Deduplication"), or relies on
the revision rule alone, which is enough for a state topic.

Everything of one batch is applied in one transaction (:meth:`Store.batch`); the caller
commits the Kafka offsets only after it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Outcome = Literal["applied", "duplicate", "stale", "removed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS kim (
    kim_id          TEXT PRIMARY KEY,
    revision        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    village_code    TEXT NOT NULL,
    kecamatan_code  TEXT NOT NULL,
    kabupaten_code  TEXT NOT NULL,
    members         INTEGER NOT NULL,
    changed_at      TEXT NOT NULL,
    event_id        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kim_by_village ON kim (village_code);
CREATE TABLE IF NOT EXISTS seen_event (
    event_id  TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS removed_kim (
    kim_id    TEXT PRIMARY KEY,
    revision  INTEGER NOT NULL
);
"""

UPSERT = """
INSERT INTO kim (kim_id, revision, name, status, village_code, kecamatan_code,
                 kabupaten_code, members, changed_at, event_id)
VALUES (:kim_id, :revision, :name, :status, :village_code, :kecamatan_code,
        :kabupaten_code, :members, :changed_at, :event_id)
ON CONFLICT (kim_id) DO UPDATE SET
    revision = excluded.revision, name = excluded.name, status = excluded.status,
    village_code = excluded.village_code, kecamatan_code = excluded.kecamatan_code,
    kabupaten_code = excluded.kabupaten_code, members = excluded.members,
    changed_at = excluded.changed_at, event_id = excluded.event_id
WHERE excluded.revision > kim.revision
"""

REMOVED_REVISION = "SELECT revision FROM removed_kim WHERE kim_id = ?"

REMOVE = """
INSERT INTO removed_kim (kim_id, revision)
SELECT kim_id, revision FROM kim WHERE kim_id = :kim_id
ON CONFLICT (kim_id) DO UPDATE SET revision = max(removed_kim.revision, excluded.revision)
"""

PER_VILLAGE = """
SELECT village_code, count(*) AS kim, sum(status = 'aktif') AS aktif
FROM kim GROUP BY village_code ORDER BY village_code
"""


@dataclass(frozen=True)
class KimState:
    """The fields of ``kim.registry.kim_state.changed.v1`` this table keeps."""

    event_id: str
    kim_id: str
    revision: int
    name: str
    status: str
    village_code: str
    kecamatan_code: str
    kabupaten_code: str
    members: int
    changed_at: str

    @classmethod
    def from_cloudevent(cls, envelope: dict[str, Any]) -> KimState:
        data = envelope["data"]
        return cls(
            event_id=str(envelope["id"]),
            kim_id=str(data["kim_id"]),
            revision=int(data["revision"]),
            name=str(data["name"]),
            status=str(data["status"]),
            village_code=str(data["village_code"]),
            kecamatan_code=str(data["kecamatan_code"]),
            kabupaten_code=str(data["kabupaten_code"]),
            members=len(data.get("roster") or []),
            changed_at=str(data["changed_at"]),
        )


class Store:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def batch(self) -> Iterator[Store]:
        """One transaction: everything applied inside commits together, or nothing does."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def apply(self, state: KimState) -> Outcome:
        first_time = self.db.execute(
            "INSERT OR IGNORE INTO seen_event (event_id) VALUES (?)", (state.event_id,)
        )
        if first_time.rowcount == 0:
            return "duplicate"
        removed = self.db.execute(REMOVED_REVISION, (state.kim_id,)).fetchone()
        if removed is not None and state.revision <= removed[0]:
            return "stale"
        changed = self.db.execute(UPSERT, state.__dict__)
        return "applied" if changed.rowcount else "stale"

    def remove(self, kim_id: str) -> Outcome:
        self.db.execute(REMOVE, {"kim_id": kim_id})
        self.db.execute("DELETE FROM kim WHERE kim_id = ?", (kim_id,))
        return "removed"

    def per_village(self) -> list[tuple[str, int, int]]:
        """(village code, KIM, of which aktif), by village code."""
        return [(str(v), int(n), int(a)) for v, n, a in self.db.execute(PER_VILLAGE)]
