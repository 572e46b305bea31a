"""What a partition's share of a batch may commit: never past a record still pending."""

from __future__ import annotations

from kim_shared.inbox.consumer import Progress


def test_the_commit_stops_at_the_first_pending_record() -> None:
    progress = Progress([10, 11, 13, 14])  # offsets may have gaps (compaction, markers)
    assert progress.commit_offset() is None  # nothing settled: nothing to commit
    progress.settle([13])  # settled out of order (e.g. a dead letter before the batch)
    assert (progress.commit_offset(), progress.first_pending()) == (None, 10)
    progress.settle([10, 11])
    assert (progress.commit_offset(), progress.first_pending()) == (14, 14)
    progress.settle([14])
    assert (progress.commit_offset(), progress.first_pending()) == (15, None)
