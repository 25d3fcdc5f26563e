"""What a client generator needs of an OpenAPI document, read the same way by every
service's tests and by the merged document's: the operations, whether an answer's schema
is typed, and the one problem+json content every error must have."""

from __future__ import annotations

from typing import Any

__all__ = ["METHODS", "PROBLEM_CONTENT", "PROBLEM_REF", "is_typed", "operations"]

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}
#: the content of every 4xx/5xx answer
PROBLEM_CONTENT = {"application/problem+json": {"schema": PROBLEM_REF}}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation of ``spec``."""
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def is_typed(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    """A ``$ref`` to a model (with properties, an enum or a union), an object with
    properties, or an array of one of these; never a free-form object."""
    if "$ref" in schema:
        target = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return target.get("additionalProperties") is not True and bool(
            target.get("properties") or target.get("enum") or target.get("anyOf")
        )
    if schema.get("type") == "array":
        return is_typed(schema.get("items", {}), spec)
    return (
        schema.get("type") == "object"
        and bool(schema.get("properties"))
        and schema.get("additionalProperties") is not True
    )
