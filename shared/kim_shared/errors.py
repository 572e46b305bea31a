"""Errors of the business rules, independent of HTTP.

Domain code and command handlers raise these; they know nothing of status
codes or responses. :func:`kim_shared.http.problems.install_problem_handlers`
renders them as problem details (``Conflict`` 409, ``Invalid`` 422,
``NotFound`` 404, ``StaleVersion`` 412 with the current ``ETag``,
``VersionRequired`` 428, any other ``DomainError`` 400). ``slug`` names the
problem type (``https://kim.example/problems/<slug>``); ``field`` (e.g.
``"body.nik"``) points at the offending input. Messages are specific English
sentences and never echo personal data.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar


class DomainError(Exception):
    """Base: ``detail`` for the client, ``slug`` for the problem type, ``field`` if any."""

    default_slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, *, slug: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.slug = slug or self.default_slug
        self.field = field


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it."""

    default_slug = "conflict"


class Invalid(DomainError):
    """A value parses but breaks a rule (unknown village, NIK mismatch, ...)."""

    default_slug = "unprocessable"


class NotFound(DomainError):
    """The thing the request names does not exist."""

    default_slug = "not-found"


class VersionRequired(DomainError):
    """A change does not say which version it is based on (lost-update protection)."""

    default_slug = "precondition-required"


class StaleVersion(DomainError):
    """A change is based on a version that is no longer the current one."""

    default_slug = "precondition-failed"

    def __init__(self, current_version: int, what: str = "resource") -> None:
        super().__init__(
            f"The {what} was changed since you read it: If-Match does not match its current "
            f'ETag "{current_version}". Fetch it again, reapply your change and retry.'
        )
        self.current_version = current_version


def ensure_version(current: int, expected: Collection[int] | None, what: str = "resource") -> None:
    """:class:`StaleVersion` unless ``current`` is one of ``expected`` (None: not checked)."""
    if expected is not None and current not in expected:
        raise StaleVersion(current, what)
