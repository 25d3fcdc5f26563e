"""The payments OpenAPI is what a client generator needs: every answer typed, every error
the one problem schema, every route behind a token documenting its 401 (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from kairos_payments.bootstrap import bootstrap
from kairos_platform import testing_openapi as checks
from kairos_platform.runtime import build_http_app

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return build_http_app(bootstrap()).openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _free_form(spec: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> list[str]:
    """Where ``schema`` (followed through refs, properties, items and unions) lets any
    object through: an empty schema, or an object without properties or with
    ``additionalProperties: true``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return [f"{name}.{w}" for w in _free_form(spec, _resolve(spec, schema), seen)]
    if not schema:
        return ["(empty schema)"]
    found: list[str] = []
    for union in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(union, []):
            found += _free_form(spec, part, seen)
    if schema.get("type") == "array":
        found += [f"[]{w}" for w in _free_form(spec, schema.get("items", {}), seen)]
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is True or not schema.get("properties"):
            found.append("(free-form object)")
        for name, prop in schema.get("properties", {}).items():
            found += [f"{name}: {w}" for w in _free_form(spec, prop, seen)]
    return found


def test_every_operation_answers_a_typed_body_or_none(spec: dict[str, Any]) -> None:
    assert len(_operations(spec)) >= 14
    for method, path, op in _operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, (method, path)
        for status, response in ok.items():
            if status == "204":
                assert not response.get("content"), (method, path)
                continue
            schema = response["content"]["application/json"]["schema"]
            assert "$ref" in schema or schema.get("type") in ("object", "array"), (method, path)
            assert _free_form(spec, schema, set()) == [], (method, path, status)


def test_routes_behind_a_token_document_401_and_every_error_is_a_problem(
    spec: dict[str, Any],
) -> None:
    public = {("POST", "/webhooks/stripe")}
    for method, path, op in _operations(spec):
        if (method, path) in public:
            assert not op.get("security"), (method, path)
        else:
            assert op.get("security"), (method, path)
            assert {"401", "503"} <= set(op["responses"]), (method, path)
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert response["content"] == PROBLEM, (method, path, status)


def test_what_each_route_can_refuse_is_documented(spec: dict[str, Any]) -> None:
    """The statuses the service layer can answer (its refusals), route by route."""
    expected = {
        ("POST", "/checkouts"): {"400", "402", "403", "404", "409", "410", "422"},
        ("GET", "/checkouts/{payment_id}"): {"404"},
        ("POST", "/checkouts/{payment_id}/confirmation"): {"402", "404"},
        ("GET", "/credits"): {"403", "422"},
        ("POST", "/credits/purchases"): {"402", "403", "404", "422"},
        ("POST", "/webhooks/stripe"): {"400", "402", "503"},
        ("GET", "/me/payments"): {"403", "422"},
        ("POST", "/subscriptions"): {"402", "403", "404", "409", "422"},
        ("POST", "/subscriptions/{subscription_id}/cancel"): {"403", "404", "409"},
        ("POST", "/subscriptions/{subscription_id}/reactivate"): {"402", "403", "404", "409"},
        ("GET", "/me/subscriptions"): {"403", "422"},
    }
    for (method, path), statuses in expected.items():
        documented = set(spec["paths"][path][method.lower()]["responses"])
        assert statuses <= documented, (method, path, statuses - documented)
    checkout = spec["paths"]["/checkouts"]["post"]["responses"]
    assert {"200", "201"} <= set(checkout)  # a repeat answers the checkout as it is


def test_lists_are_pages_and_the_former_payment_method_name_is_deprecated(
    spec: dict[str, Any],
) -> None:
    def body(path: str) -> dict[str, Any]:
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        return _resolve(spec, schema["schema"])

    for path in ("/me/payments", "/me/subscriptions"):
        assert {"items", "next_cursor", "has_more"} <= set(body(path)["properties"]), path
        params = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= params, path
    ledger = _resolve(spec, body("/credits")["properties"]["ledger"])
    assert {"items", "next_cursor", "has_more"} <= set(ledger["properties"])
    for model in ("CheckoutIn", "PurchaseIn", "SubscribeIn"):
        props = spec["components"]["schemas"][model]["properties"]
        assert "payment_method_id" in props and props["payment_method"]["deprecated"] is True


def test_every_endpoint_and_dependency_runs_on_the_event_loop() -> None:
    checks.check_everything_runs_on_the_loop(build_http_app(bootstrap()))
