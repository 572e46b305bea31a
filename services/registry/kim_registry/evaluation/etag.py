"""Optimistic concurrency: ``ETag: "<version>"`` and the ``If-Match`` check."""

from __future__ import annotations

from kim_shared.http.problems import precondition_failed, precondition_required


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def check_if_match(header: str | None, version: int, *, required: bool = True) -> None:
    """428 without ``If-Match`` (when ``required``), 412 when it names another version."""
    if header is None or not header.strip():
        if required:
            raise precondition_required()
        return
    tags = _tags(header)
    if "*" in tags or etag(version) in tags:
        return
    raise precondition_failed(etag=etag(version))
