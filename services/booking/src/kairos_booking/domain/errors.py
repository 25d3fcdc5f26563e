"""What can go wrong in a command, independent of HTTP (routes map these to problems)."""

from __future__ import annotations


class DomainError(Exception):
    slug = "error"

    def __init__(self, detail: str, *, slug: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug:
            self.slug = slug


class NotFound(DomainError):
    slug = "not-found"


class Forbidden(DomainError):
    slug = "forbidden"


class Conflict(DomainError):
    slug = "conflict"


class Gone(DomainError):
    slug = "gone"


class Invalid(DomainError):
    slug = "validation-error"
