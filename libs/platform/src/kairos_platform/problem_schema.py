"""The problem+json answer as an OpenAPI schema, and the documentation of who answers what.

Routes list the error statuses they can answer (``responses=problems(404, 409)``); every
error in the OpenAPI document is then the one shared :class:`ProblemDetails` schema under
``application/problem+json``, FastAPI's own 422 included (it documents its default body,
which we never send). A client generator gets one error type for every route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from kairos_platform.problems import PROBLEM_CONTENT_TYPE

#: what each status means in this API (a route may say more)
MEANINGS: dict[int, str] = {
    400: "Malformed request (the body is not what this route reads).",
    401: "No token, or a token that is invalid or expired.",
    402: "Payment required: too few credits, or the card was declined.",
    403: "Not yours, or your role may not do this.",
    404: "Unknown (or not visible to you).",
    409: "Conflicts with the current state (full, taken, already done, in progress).",
    410: "Gone: it expired or was released.",
    422: "Invalid input: each field in `errors`.",
    429: "Too many requests (the gateway's rate limit).",
    503: "A dependency is unavailable; nothing was changed. Retry after `Retry-After`.",
}

#: what every route behind a token can answer besides its own
AUTHENTICATED = (401, 503)


class FieldError(BaseModel):
    """One invalid field of a request."""

    model_config = ConfigDict(populate_by_name=True)

    field: str = Field(description="The field, dotted (`items[0].date`).")
    in_: str = Field(alias="in", description="body, query, path or header")
    message: str
    type: str | None = Field(default=None, description="pydantic's error type")


class ProblemDetails(BaseModel):
    """An error (RFC 9457). ``type`` identifies the problem
    (``https://kairos.dev/problems/<slug>``): branch on it, not on ``detail``, which is
    written for people. Some problems carry more members (a declined card's
    ``decline_code``, too few credits' ``needed`` and ``balance``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://kairos.dev/problems/slot-full",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "This slot is full.",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="For a 422: every invalid field."
    )


def problems(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered as problem+json. Keyword names
    ``s409="..."`` describe a status in the route's own words."""
    found: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, *(int(k[1:]) for k in described)}):
        found[status] = {
            "model": ProblemDetails,
            "description": described.get(f"s{status}") or MEANINGS.get(status, "An error."),
            "content": {PROBLEM_CONTENT_TYPE: {}},
        }
    return found


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Send the request again with the same key and it is done once: the first answer "
        "comes back (`Idempotent-Replayed: true`). Kept per user for 24 hours."
    ),
}


def _idempotent(operation: dict[str, Any]) -> None:
    """Every POST takes an Idempotency-Key (kairos_platform.idempotency) and can answer
    its 409 (the first request still running) and 422 (the key used for another body)."""
    params = operation.setdefault("parameters", [])
    if not any(p.get("name") == "Idempotency-Key" for p in params):
        params.append(IDEMPOTENCY_KEY)
    responses = operation.setdefault("responses", {})
    responses.setdefault("409", {"description": "A request with this Idempotency-Key runs."})
    responses.setdefault("422", {"description": MEANINGS[422]})


def document_problems(app: FastAPI) -> None:
    """Make every error response of ``app``'s OpenAPI the problem+json schema."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        ref = {"$ref": "#/components/schemas/ProblemDetails"}
        for path in spec.get("paths", {}).values():
            for method, operation in path.items():
                if method == "post":
                    _idempotent(operation)
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in ("4", "5"):
                        response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": ref}}
                        if status == "422":
                            response["description"] = MEANINGS[422]
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components.setdefault("ProblemDetails", ProblemDetails.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ))  # fmt: skip
        defs = components["ProblemDetails"].pop("$defs", {})
        components.update(defs)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
