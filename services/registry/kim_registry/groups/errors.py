"""Errors of the groups rules, independent of HTTP.

The domain and the handlers raise these; the routes' :class:`GroupsRoute`
(in :mod:`kim_registry.groups.routing`) renders them as problem details.
Messages are specific English sentences and never echo personal data.
"""

from __future__ import annotations


class GroupsError(Exception):
    """Base: ``detail`` for the client, ``slug`` for the problem type."""

    status = 400
    default_slug = "bad-request"

    def __init__(self, detail: str, *, slug: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.slug = slug or self.default_slug
        self.field = field


class RuleConflict(GroupsError):
    """409: the request is well-formed but the KIM's current state forbids it."""

    status = 409
    default_slug = "conflict"


class InvalidInput(GroupsError):
    """422: a value parses but breaks a rule (unknown village, NIK mismatch, ...)."""

    status = 422
    default_slug = "unprocessable"


class StaleVersion(GroupsError):
    """412: ``If-Match`` does not name the current version."""

    status = 412
    default_slug = "precondition-failed"

    def __init__(self, current_version: int, what: str = "resource") -> None:
        super().__init__(
            f"The {what} was changed since you read it: If-Match does not match its current "
            f'ETag "{current_version}". Fetch it again, reapply your change and retry.'
        )
        self.current_version = current_version
