"""RFC 9457 problem details (``application/problem+json``) for every HTTP error.

Raise a :class:`Problem` (or one of the helpers: ``raise not_found("No such offering")``)
anywhere in a request: a route, a dependency, a service function. :func:`install_problem_handlers`
turns it, Starlette's ``HTTPException``, FastAPI's ``RequestValidationError`` and any unhandled
exception into a problem+json answer. Unhandled exceptions become a bare 500 that says nothing
about internals (the traceback goes to the log), except failures of the infrastructure
(database away, connection lost), which become a 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from kairos_platform.refusals import Refusal
from kairos_platform.transient import is_transient

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_TYPE_BASE",
    "Problem",
    "bad_request",
    "conflict",
    "forbidden",
    "gone",
    "install_problem_handlers",
    "internal_error_response",
    "log_unhandled",
    "not_found",
    "payment_required",
    "problem_type",
    "service_unavailable",
    "unauthorized",
    "unhandled_error_response",
    "unprocessable",
    "validation_errors",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://kairos.dev/problems/"

log = logging.getLogger("kairos.problems")


def problem_type(slug: str) -> str:
    """The type URI for a slug: ``problem_type("slot-full")`` -> ``.../problems/slot-full``."""
    return PROBLEM_TYPE_BASE + slug


def _status_slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return f"http-{status}"


def _status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_CONTENT_TYPE


class Problem(Exception):
    """An HTTP error answered as problem+json.

    ``slug`` names the problem type (``https://kairos.dev/problems/<slug>``); it defaults to
    the status phrase (``not-found``). ``type`` overrides the full URI. Keyword arguments
    beyond the named ones become extension members of the body (``Problem(409, ...,
    slot_id=str(s))``); they must be JSON-serialisable.
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        slug: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        self.status = int(status)
        self.title = title or _status_title(self.status)
        self.detail = detail
        self.type = type or problem_type(slug or _status_slug(self.status))
        self.instance = instance
        self.headers: dict[str, str] = dict(headers or {})
        self.extensions: dict[str, Any] = extensions
        super().__init__(detail or self.title)

    @property
    def slug(self) -> str:
        return self.type.removeprefix(PROBLEM_TYPE_BASE)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            body["detail"] = self.detail
        if self.instance is not None:
            body["instance"] = self.instance
        body.update(self.extensions)
        return body

    def to_response(self) -> Response:
        return ProblemResponse(self.to_dict(), status_code=self.status, headers=self.headers)

    def __repr__(self) -> str:
        return f"Problem(status={self.status}, type={self.type!r}, detail={self.detail!r})"


# --- helpers for the common answers -------------------------------------------------------


def bad_request(detail: str, *, slug: str = "bad-request", **extensions: Any) -> Problem:
    return Problem(400, "Bad Request", detail, slug=slug, **extensions)


def unauthorized(
    detail: str = "Authentication is required.",
    *,
    slug: str = "unauthorized",
    error: str | None = None,
    **extensions: Any,
) -> Problem:
    """401 with ``WWW-Authenticate: Bearer`` (RFC 6750; ``error="invalid_token"`` when given)."""
    challenge = 'Bearer realm="kairos"'
    if error:
        safe = detail.replace("\\", "").replace('"', "'")
        challenge += f', error="{error}", error_description="{safe}"'
    return Problem(
        401,
        "Unauthorized",
        detail,
        slug=slug,
        headers={"WWW-Authenticate": challenge},
        **extensions,
    )


def payment_required(
    detail: str = "Not enough credits.", *, slug: str = "payment-required", **extensions: Any
) -> Problem:
    return Problem(402, "Payment Required", detail, slug=slug, **extensions)


def forbidden(
    detail: str = "You are not allowed to do this.", *, slug: str = "forbidden", **extensions: Any
) -> Problem:
    return Problem(403, "Forbidden", detail, slug=slug, **extensions)


def not_found(detail: str, *, slug: str = "not-found", **extensions: Any) -> Problem:
    return Problem(404, "Not Found", detail, slug=slug, **extensions)


def conflict(detail: str, *, slug: str = "conflict", **extensions: Any) -> Problem:
    return Problem(409, "Conflict", detail, slug=slug, **extensions)


def gone(detail: str, *, slug: str = "gone", **extensions: Any) -> Problem:
    return Problem(410, "Gone", detail, slug=slug, **extensions)


def unprocessable(detail: str, *, slug: str = "validation-error", **extensions: Any) -> Problem:
    return Problem(422, "Unprocessable Content", detail, slug=slug, **extensions)


def service_unavailable(
    detail: str = "A dependency is unavailable; try again shortly.",
    *,
    slug: str = "service-unavailable",
    retry_after: int | None = None,
    **extensions: Any,
) -> Problem:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Problem(503, "Service Unavailable", detail, slug=slug, headers=headers, **extensions)


# --- validation errors ---------------------------------------------------------------------


def _field_path(loc: Sequence[Any]) -> tuple[str, str]:
    """(where, field) from a pydantic/FastAPI location: ("body", "items", 0, "date")."""
    if not loc:
        return "body", "body"
    if loc[0] in ("body", "query", "path", "header", "cookie"):
        where, rest = str(loc[0]), list(loc[1:])
    else:
        where, rest = "body", list(loc)
    field = ""
    for part in rest:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += ("." if field else "") + str(part)
    return where, field or where


def _clean_message(msg: str) -> str:
    # pydantic prefixes errors raised from validators; the prefix says nothing to a client.
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """FastAPI/pydantic error dicts -> ``[{"field", "in", "message", "type"}]``.

    The rejected input is deliberately not echoed back.
    """
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        where, field = _field_path(loc)
        message = _clean_message(str(err.get("msg", "is invalid")))
        if err.get("type") == "json_invalid":
            field, message = "body", "The request body is not valid JSON."
        out.append({"field": field, "in": where, "message": message, "type": err.get("type")})
    return out


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = validation_errors(exc.errors())
    parts = [f"{e['field']}: {e['message']}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    noun = "field is" if len(errors) == 1 else "fields are"
    detail = f"{len(errors)} {noun} invalid: " + "; ".join(parts) + more
    return unprocessable(detail, errors=errors)


# --- handlers ------------------------------------------------------------------------------


def internal_error_response() -> Response:
    """The answer to an unhandled exception: no message, class name or traceback."""
    return Problem(
        500,
        "Internal Server Error",
        "An unexpected error occurred. It has been logged.",
        slug="internal-error",
    ).to_response()


async def _handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    if exc.status >= 500:
        log.warning("problem %s: %s", exc.status, exc.detail or exc.title)
    return exc.to_response()


async def _handle_refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    problem = Problem(
        exc.status, exc.title, exc.detail, slug=exc.slug, headers=exc.headers, **exc.extensions
    )
    return await _handle_problem(request, problem)


#: a unique (or exclusion) constraint refused a row: another request stored it first
_RACES = frozenset({"23505", "23P01"})


async def _handle_integrity_error(request: Request, exc: Exception) -> Response:
    """A unique race lost to a concurrent request is a conflict. Any other constraint the
    database refuses (a null, a check, a reference) is input validation let through: the
    request is refused as it stands, and the gap is logged to be closed."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RACES:
        return conflict("This conflicts with a concurrent change.", slug="conflict").to_response()
    log.error("a constraint refused input that validation let through: %s", orig)
    detail = "The request breaks a rule of the stored data."
    return unprocessable(detail, slug="unstorable").to_response()


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = _status_title(exc.status_code)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == title:
        detail = None
    headers = dict(exc.headers or {})
    if exc.status_code == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="kairos"'
    problem = Problem(exc.status_code, title, detail, headers=headers)
    if detail is None and exc.detail is not None and not isinstance(exc.detail, str):
        problem.extensions["errors"] = exc.detail
    if exc.status_code in (204, 304):  # no body allowed
        return Response(status_code=exc.status_code, headers=headers)
    return problem.to_response()


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _validation_problem(exc).to_response()


def unhandled_error_response(exc: BaseException) -> Response:
    """The answer to an exception nobody handled: 503 when the infrastructure is away
    (the database restarting: nothing was committed and the same request will work
    shortly), else an opaque 500."""
    if is_transient(exc):
        return service_unavailable(
            "A dependency (database or broker) is unavailable; nothing was changed. "
            "Try again shortly.",
            retry_after=1,
        ).to_response()
    return internal_error_response()


def log_unhandled(method: object, path: object, exc: BaseException) -> None:
    if is_transient(exc):
        log.warning("dependency unavailable in %s %s: %r", method, path, exc)
    else:
        log.error("unhandled error in %s %s", method, path, exc_info=exc)


async def _handle_unhandled(request: Request, exc: Exception) -> Response:
    log_unhandled(request.method, request.url.path, exc)
    return unhandled_error_response(exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json (safe to call once per app), service
    layers' refusals (``kairos_platform.refusals``) included, and document every error
    response of its OpenAPI as the one problem schema."""
    from kairos_platform.problem_schema import document_problems

    app.add_exception_handler(Problem, _handle_problem)
    app.add_exception_handler(Refusal, _handle_refusal)
    app.add_exception_handler(IntegrityError, _handle_integrity_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(Exception, _handle_unhandled)
    document_problems(app)
