"""Attendance's OpenAPI passes the document checks every service's does (no route is
public here), with its paged lists and models named. No I/O: the app is built as the HTTP
process builds it, and nothing here reaches the database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from kairos_attendance.bootstrap import bootstrap
from kairos_platform import testing_openapi as checks
from kairos_platform.runtime import build_http_app

#: routes anyone may call (none in attendance)
PUBLIC: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return build_http_app(bootstrap())


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_every_answer_is_a_typed_model(spec: dict[str, Any]) -> None:
    checks.check_answers_are_typed(spec)


def test_every_error_is_the_problem_schema_and_401_is_documented(spec: dict[str, Any]) -> None:
    checks.check_errors_are_problems(spec, public=PUBLIC)


def test_the_lists_are_cursor_pages(spec: dict[str, Any]) -> None:
    checks.check_lists_are_cursor_pages(
        spec, ("/mentors/me/subscribers", "/sessions/{booking_id}/attendance")
    )


def test_the_models_carry_examples(spec: dict[str, Any]) -> None:
    checks.check_models_carry_examples(spec, (
        "AttendanceIn", "SessionOut", "JoinedOut", "MarkedOut", "SubscriberOut",
        "AttendanceChangeOut", "ReactivatedOut",
    ))  # fmt: skip


async def test_every_route_but_the_public_ones_answers_401_without_a_token(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    ids = {name: str(uuid.uuid4()) for name in ("booking_id", "enrollment_id", "mentor_id")}
    await checks.check_401_without_a_token(
        app, spec, public=PUBLIC, params=ids, body={"attended": True}
    )


def test_every_endpoint_and_dependency_runs_on_the_event_loop(app: FastAPI) -> None:
    checks.check_everything_runs_on_the_loop(app)
