"""Calendar-sync's OpenAPI passes the document checks every service's does; its public
routes (the feed and the unsubscribe links, whose token is the credential) answer a calendar
or a page. No I/O: the app is built as the HTTP process builds it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from kairos_calendar_sync.bootstrap import bootstrap
from kairos_platform import testing_openapi as checks
from kairos_platform.openapi_checks import is_typed, operations
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
    checks.check_answers_are_typed(spec, own=PUBLIC)
    answers = {(m, p): op["responses"]["200"] for m, p, op in operations(spec) if (m, p) in PUBLIC}
    assert answers[FEED]["content"] == {"text/calendar": {"schema": {"type": "string"}}}
    assert answers[UNSUBSCRIBE_PAGE]["content"] == HTML
    # JSON, or a page for the page's button
    assert answers[UNSUBSCRIBE]["content"]["text/html"] == HTML["text/html"]
    schema = answers[UNSUBSCRIBE]["content"]["application/json"]["schema"]
    assert is_typed(schema, spec), (UNSUBSCRIBE, schema)


def test_every_error_is_the_problem_schema_and_401_is_documented(spec: dict[str, Any]) -> None:
    checks.check_errors_are_problems(spec, public=PUBLIC)


def test_the_lists_are_cursor_pages(spec: dict[str, Any]) -> None:
    checks.check_lists_are_cursor_pages(spec, ("/connections",))


def test_the_models_carry_examples(spec: dict[str, Any]) -> None:
    checks.check_models_carry_examples(spec, (
        "CalDavIn", "GoogleIn", "ConnectionOut", "ConnectionTestOut", "FeedOut",
        "MailPreferencesIn", "MailPreferencesOut", "UnsubscribedOut",
    ))  # fmt: skip


async def test_every_route_but_the_public_ones_answers_401_without_a_token(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    params = {"connection_id": str(uuid.uuid4()), "token": "t0ken"}
    await checks.check_401_without_a_token(
        app, spec, public=PUBLIC, params=params, body={"kind": "caldav"}
    )


def test_every_endpoint_and_dependency_runs_on_the_event_loop(app: FastAPI) -> None:
    checks.check_everything_runs_on_the_loop(app)
