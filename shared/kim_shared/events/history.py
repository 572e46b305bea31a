"""Every committed version of the event schemas, read from git.

A schema file in the working tree proves nothing about compatibility: whoever
breaks a ``v1`` regenerates the file in the same change. What other agencies
may already consume is what was *committed*, so the contract check compares
the catalogue with every version of ``shared/contracts/events/<type>.json`` in
the history of ``HEAD`` (in CI, the commit under test): an incompatible change
fails even when it is committed together with its regenerated schema, and an
event type that was ever committed must still exist.

This needs the whole history: a shallow clone is refused rather than trusted.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

EVENTS_PATH = PurePosixPath("shared/contracts/events")


class HistoryUnavailable(RuntimeError):
    """git or the repository's full history is missing: the contract cannot be checked."""


@dataclass(frozen=True)
class Published:
    """One committed version of an event type's JSON Schema."""

    event_type: str
    commit: str  # the commit that wrote this version
    schema: dict[str, Any]


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise HistoryUnavailable("git is not installed") from exc
    if done.returncode != 0:
        raise HistoryUnavailable(f"git {' '.join(args)}: {done.stderr.decode().strip()}")
    return done.stdout


def _writes(root: Path, events_path: PurePosixPath) -> list[tuple[str, str]]:
    """``(commit, path)`` for every commit that touched a schema file, oldest first."""
    log = _git(
        root, "log", "--reverse", "--no-renames", "--full-history", "--diff-merges=first-parent",
        "--format=%x00%H", "--name-only", "HEAD", "--", str(events_path),
    ).decode()  # fmt: skip
    writes: list[tuple[str, str]] = []
    commit = ""
    for line in log.splitlines():
        if line.startswith("\0"):
            commit = line[1:]
        elif line.endswith(".json"):
            writes.append((commit, line))
    return writes


def _blobs(root: Path, objects: list[str]) -> list[bytes | None]:
    """Contents of ``commit:path`` objects (``None`` where the commit deleted the file)."""
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{o}\n" for o in objects).encode())
    contents: list[bytes | None] = []
    pos = 0
    for _ in objects:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            contents.append(None)
            continue
        size = int(header[2])
        contents.append(out[pos : pos + size])
        pos += size + 1
    return contents


def published_schemas(root: Path, events_path: PurePosixPath = EVENTS_PATH) -> list[Published]:
    """Every distinct committed version of every event schema under ``events_path`` in the
    history of ``HEAD``, oldest first. Raises :class:`HistoryUnavailable` without git, outside
    a repository or in a shallow clone."""
    if _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true":
        raise HistoryUnavailable(
            "this clone is shallow: the event contract is checked against every committed "
            "schema, so fetch the whole history (git fetch --unshallow)"
        )
    writes = _writes(root, events_path)
    contents = _blobs(root, [f"{commit}:{path}" for commit, path in writes])
    seen: set[tuple[str, bytes]] = set()
    versions: list[Published] = []
    for (commit, path), content in zip(writes, contents, strict=True):
        event_type = PurePosixPath(path).name.removesuffix(".json")
        if content is None or (event_type, content) in seen:
            continue
        seen.add((event_type, content))
        versions.append(Published(event_type, commit, json.loads(content)))
    return versions
