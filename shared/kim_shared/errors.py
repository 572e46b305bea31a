"""The one error family of the platform, independent of HTTP.

Domain code, command handlers, the auth kit and the HTTP kit raise these;
they know their status but nothing of responses.
:func:`kim_shared.http.problems.install_problem_handlers` renders every one of
them the same way, as an RFC 9457 problem whose ``type`` is
``https://kim.example/problems/<slug>``.

==============================  ======  ==========================
class                           status  default slug
==============================  ======  ==========================
:class:`BadRequest`             400     ``bad-request``
``auth.errors.Unauthorized``    401     ``unauthorized``
:class:`Forbidden`              403     ``forbidden``
:class:`NotFound`               404     ``not-found``
:class:`Conflict`               409     ``conflict``
:class:`StaleVersion`           412     ``precondition-failed``
:class:`PayloadTooLarge`        413     ``payload-too-large``
:class:`Invalid`                422     ``unprocessable``
:class:`VersionRequired`        428     ``precondition-required``
:class:`Unavailable`            503     ``service-unavailable``
==============================  ======  ==========================

``field`` (e.g. ``"body.nik"``) or ``errors`` (several :class:`Issue`) point at
the offending input. Messages are specific English sentences and never echo
personal data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one input field: ``Issue("body.nik", "must have 16 digits")``."""

    field: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """Base: ``status``, ``detail`` for the client, ``slug`` for the problem type."""

    status: ClassVar[int] = 400
    default_slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        field: str | None = None,
        errors: Iterable[Issue] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.slug = slug or self.default_slug
        self.field = field
        issues = list(errors)
        if field is not None and not issues:
            issues = [Issue(field, detail)]
        self.errors: list[Issue] = issues
        self._headers = dict(headers or {})

    def headers(self) -> dict[str, str]:
        """Extra response headers (``ETag``, ``Retry-After``, ``WWW-Authenticate``)."""
        return dict(self._headers)


class BadRequest(DomainError):
    """The request itself is malformed (a header, a parameter the schema cannot check)."""


class Forbidden(DomainError):
    """Authenticated, but no role of the caller may do this anywhere."""

    status = 403
    default_slug = "forbidden"


class NotFound(DomainError):
    """The thing the request names does not exist, or lies outside the caller's scope."""

    status = 404
    default_slug = "not-found"


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it."""

    status = 409
    default_slug = "conflict"


class Invalid(DomainError):
    """A value parses but breaks a rule (unknown village, NIK mismatch, ...).

    Several issues at once: ``Invalid("The period is not valid", errors=[Issue(...), ...])``.
    """

    status = 422
    default_slug = "unprocessable"

    @classmethod
    def of(cls, what: str, issues: Collection[Issue], *, slug: str | None = None) -> Invalid:
        """``what: first; second; third (and N more)`` with every issue listed."""
        listed = list(issues)
        summary = "; ".join(f"{i.field}: {i.message}" for i in listed[:3])
        more = f" (and {len(listed) - 3} more)" if len(listed) > 3 else ""
        return cls(f"{what}: {summary}{more}", errors=listed, slug=slug)


class PayloadTooLarge(DomainError):
    """The request body is larger than the service accepts."""

    status = 413
    default_slug = "payload-too-large"


class VersionRequired(DomainError):
    """A change does not say which version it is based on (lost-update protection)."""

    status = 428
    default_slug = "precondition-required"


class StaleVersion(DomainError):
    """A change is based on a version that is no longer the current one (412, with ETag)."""

    status = 412
    default_slug = "precondition-failed"

    def __init__(self, current_version: int, what: str = "resource") -> None:
        super().__init__(
            f"The {what} was changed since you read it: If-Match does not match its current "
            f'ETag "{current_version}". Fetch it again, reapply your change and retry.',
            headers={"ETag": f'"{current_version}"'},
        )
        self.current_version = current_version


class Unavailable(DomainError):
    """A dependency the request needs is down; the client may retry later."""

    status = 503
    default_slug = "service-unavailable"


def ensure_version(current: int, expected: Collection[int] | None, what: str = "resource") -> None:
    """:class:`StaleVersion` unless ``current`` is one of ``expected`` (None: not checked)."""
    if expected is not None and current not in expected:
        raise StaleVersion(current, what)
