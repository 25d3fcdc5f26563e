"""Calendar-sync's OpenAPI is what a client generator needs: every answer typed, every error
the one problem schema, 401 documented (and answered) wherever a token is needed. No I/O:
the app is built as the HTTP process builds it, and nothing here reaches the database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kairos_calendar_sync.bootstrap import bootstrap
from kairos_platform.openapi_checks import PROBLEM_CONTENT, is_typed, operations
from kairos_platform.runtime import build_http_app

#: routes anyone may call: the feed and the unsubscribe links (their token is the credential)
FEED = ("get", "/feeds/{token}.ics")
UNSUBSCRIBE_PAGE = ("get", "/unsubscribe/{token}")
UNSUBSCRIBE = ("post", "/unsubscribe/{token}")
PUBLIC = {FEED, UNSUBSCRIBE_PAGE, UNSUBSCRIBE}
HTML = {"text/html": {"schema": {"type": "string"}}}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return build_http_app(bootstrap())


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_every_answer_is_a_typed_model(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert len(ok) == 1, (method, path, ok)
        [(status, answer)] = ok.items()
        if (method, path) == FEED:
            assert answer["content"] == {"text/calendar": {"schema": {"type": "string"}}}
            continue
        if (method, path) == UNSUBSCRIBE_PAGE:
            assert answer["content"] == HTML
            continue
        if (method, path) == UNSUBSCRIBE:  # JSON, or a page for the page's button
            assert answer["content"]["text/html"] == HTML["text/html"]
            schema = answer["content"]["application/json"]["schema"]
            assert is_typed(schema, spec), (method, path, schema)
            continue
        if status == "204":
            assert "content" not in answer, (method, path)
            continue
        assert list(answer["content"]) == ["application/json"], (method, path)
        schema = answer["content"]["application/json"]["schema"]
        assert is_typed(schema, spec), (method, path, schema)


def test_every_error_is_the_problem_schema_and_401_is_documented(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        for status, answer in errors.items():
            assert answer["content"] == PROBLEM_CONTENT, (method, path, status)
        if (method, path) not in PUBLIC:
            assert {"401", "503"} <= set(errors), (method, path, sorted(errors))


def test_the_lists_are_cursor_pages(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for path in ("/connections",):
        op = spec["paths"][path]["get"]
        assert {p["name"] for p in op["parameters"] if p["in"] == "query"} >= {"limit", "cursor"}
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schemas[ref.rsplit("/", 1)[-1]]
        assert {"items", "next_cursor", "has_more"} <= set(page["properties"]), path


def test_the_models_carry_examples(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in (
        "CalDavIn", "GoogleIn", "ConnectionOut", "ConnectionTestOut", "FeedOut",
        "MailPreferencesIn", "MailPreferencesOut", "UnsubscribedOut",
    ):  # fmt: skip
        assert schemas[name].get("examples"), name


async def test_every_route_but_the_public_ones_answers_401_without_a_token(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a")
    for method, path, _ in operations(spec):
        if (method, path) in PUBLIC:
            continue
        url = path.replace("{connection_id}", str(uuid.uuid4())).replace("{token}", "t0ken")
        url = url.replace("{ping_id}", str(uuid.uuid4()))
        resp = await client.request(method.upper(), url, json={"kind": "caldav"})
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
