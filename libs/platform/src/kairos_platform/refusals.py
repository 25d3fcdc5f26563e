"""Refusals: what a service layer raises when it will not do what was asked.

One type for every service, each kind with its HTTP status and a default slug (the problem
type, ``https://kairos.dev/problems/<slug>``); ``kairos_platform.problems`` answers every
one of them as problem+json, so routes never translate errors themselves. No I/O and no web
framework here: a domain may subclass these for its own errors.

    raise NotFound(f"No hold {hold_id}.")
    raise Conflict("This slot is full.", slug="slot-full")
    raise PaymentRequired(str(exc), slug="insufficient-credits", needed=3, balance=1)
    raise Conflict("Not known here yet; retry in a moment.", slug="hold-not-ready",
                   retry_after_s=1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "Invalid",
    "NotFound",
    "PaymentRequired",
    "Refusal",
    "Unavailable",
]


class Refusal(Exception):
    """A request refused, with a clear ``detail`` for the person who made it.

    ``slug`` names the problem type; ``retry_after_s`` sets ``Retry-After``; further
    keyword arguments become members of the problem body (they must be JSON-serialisable).
    """

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"
    default_slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        retry_after_s: int | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.slug = slug or self.default_slug
        self.headers = dict(headers or {})
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(retry_after_s)
        self.extensions = extensions


class BadRequest(Refusal):
    pass


class PaymentRequired(Refusal):
    status, title, default_slug = 402, "Payment Required", "payment-required"


class Forbidden(Refusal):
    status, title, default_slug = 403, "Forbidden", "forbidden"


class NotFound(Refusal):
    status, title, default_slug = 404, "Not Found", "not-found"


class Conflict(Refusal):
    status, title, default_slug = 409, "Conflict", "conflict"


class Gone(Refusal):
    status, title, default_slug = 410, "Gone", "gone"


class Invalid(Refusal):
    status, title, default_slug = 422, "Unprocessable Content", "validation-error"


class Unavailable(Refusal):
    status, title, default_slug = 503, "Service Unavailable", "service-unavailable"
