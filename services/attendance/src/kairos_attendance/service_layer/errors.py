"""Refusals of the service layer; the HTTP layer turns them into problem+json."""

from __future__ import annotations

from typing import Any


class NotFound(Exception):
    pass


class NotYours(Exception):
    pass


class Refused(Exception):
    """The request is understood but cannot be done now (409), with why."""

    def __init__(self, detail: str, slug: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail, self.slug, self.extensions = detail, slug, extensions
