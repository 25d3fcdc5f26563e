"""Booking's OpenAPI is what a client generator needs: every operation answers a typed
body (or nothing, for a 204), every error is the one problem+json schema, and every route
behind a token says it can answer 401."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from kairos_booking.bootstrap import bootstrap
from kairos_booking.entrypoints.schemas import RangeIn, WeeklyRangeIn
from kairos_platform import testing_openapi as checks
from kairos_platform.openapi_checks import PROBLEM_CONTENT, is_typed, operations
from kairos_platform.runtime import build_http_app

PUBLIC = {
    ("get", "/providers"), ("get", "/providers/{provider_id}"),
    ("get", "/providers/{provider_id}/availability"), ("get", "/offerings"),
    ("get", "/offerings/{offering_id}"), ("get", "/offerings/{offering_id}/slots"),
}  # fmt: skip


def test_every_operation_is_typed_and_documents_its_errors() -> None:
    spec = build_http_app(bootstrap()).openapi()
    found = [
        (method, path, op)
        for method, path, op in operations(spec)
        if not path.endswith("/stream")  # server-sent events: text/event-stream
    ]
    assert len(found) > 20
    for method, path, op in found:
        where = f"{method.upper()} {path}"
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert len(ok) == 1, where
        ((status, answer),) = ok.items()
        if status == "204":
            assert "content" not in answer, where
        else:
            schema = answer["content"]["application/json"]["schema"]
            assert is_typed(schema, spec), (where, schema)
        for status, answer in op["responses"].items():
            if status[0] in "45":
                assert answer["content"] == PROBLEM_CONTENT
        if (method, path) not in PUBLIC:
            assert "401" in op["responses"], where


def test_times_of_day_are_documented_as_the_strings_they_are_sent_as() -> None:
    """Weekly hours, override ranges and a programme's pattern take "HH:MM": a generated
    client must be told a string, not the minutes they are parsed to."""
    schemas = build_http_app(bootstrap()).openapi()["components"]["schemas"]
    for model, field in (
        ("RangeIn", "start"), ("RangeIn", "end"), ("WeeklyRangeIn", "start"),
        ("WeeklyRangeIn", "end"), ("PatternEntryIn", "time"),
    ):  # fmt: skip
        prop = schemas[model]["properties"][field]
        assert prop["type"] == "string" and prop["pattern"], (model, field, prop)


@pytest.mark.parametrize(
    "value",
    ["00:00", "09:30", "23:59", "24:00", "9:30", "09:3", "24:01", "25:00", "12:60", "0930",
     " 09:30", "09:30:00", "", 570, None],
)  # fmt: skip
def test_the_documented_time_pattern_is_exactly_what_the_api_accepts(value: object) -> None:
    """The document's pattern and the API's reading agree value by value: what matches is
    taken (as its minutes), anything else (an integer included) is refused."""
    schemas = build_http_app(bootstrap()).openapi()["components"]["schemas"]
    pattern = schemas["WeeklyRangeIn"]["properties"]["start"]["pattern"]
    documented = isinstance(value, str) and re.search(pattern, value) is not None
    try:
        taken = WeeklyRangeIn(weekday=0, start=value, end="24:00") if value != "24:00" else None
        accepted = True
    except ValidationError:
        accepted = False
    if value == "24:00":  # an end only: accepted as one, refused as a start (end after it)
        accepted = RangeIn(start="23:00", end=value).end == 24 * 60
    elif accepted:
        assert taken is not None and value == f"{taken.start // 60:02d}:{taken.start % 60:02d}"
    assert accepted == documented, (value, pattern)


def test_every_endpoint_and_dependency_runs_on_the_event_loop() -> None:
    checks.check_everything_runs_on_the_loop(build_http_app(bootstrap()))
