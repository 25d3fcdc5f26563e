"""The shared field types: instants normalised to UTC, and the one range of dates an API
request may carry (refused as a validation error, never an OverflowError)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from kairos_contracts.types import (
    ACCEPTED_DATES,
    FIRST_ACCEPTED_DATE,
    LAST_ACCEPTED_DATE,
    AcceptedDate,
    AcceptedDatetime,
    UtcDatetime,
)

DAY = TypeAdapter(AcceptedDate)
INSTANT = TypeAdapter(AcceptedDatetime)


def _refused(adapter: TypeAdapter[Any], value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    [error] = caught.value.errors()
    return str(error["msg"])


def test_the_accepted_range_is_years_2000_to_2100() -> None:
    assert (FIRST_ACCEPTED_DATE, LAST_ACCEPTED_DATE) == (date(2000, 1, 1), date(2100, 12, 31))
    assert ACCEPTED_DATES == "2000-01-01 to 2100-12-31"


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_a_date_outside_the_range_is_refused_naming_it(value: str) -> None:
    assert ACCEPTED_DATES in _refused(DAY, value)


def test_the_first_and_last_dates_are_accepted() -> None:
    assert DAY.validate_python("2000-01-01") == date(2000, 1, 1)
    assert DAY.validate_python("2100-12-31") == date(2100, 12, 31)


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T12:00:00Z",
        "0001-01-01T12:00:00Z",
        "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:30:00+01:00",  # 1999 in UTC
        "2101-01-01T00:00:00Z",
        "2100-12-31T23:00:00-01:00",  # 2101 in UTC
    ],
)
def test_an_instant_outside_the_range_is_refused_naming_it(value: str) -> None:
    assert ACCEPTED_DATES in _refused(INSTANT, value)


def test_instants_at_the_edges_are_accepted_in_utc() -> None:
    assert INSTANT.validate_python("2000-01-01T00:00:00Z") == datetime(2000, 1, 1, tzinfo=UTC)
    last = INSTANT.validate_python("2101-01-01T13:59:59+14:00")
    assert last == datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC) and last.tzinfo is UTC
    assert "timezone" in _refused(INSTANT, "2030-01-01T12:00:00")  # naive: which instant?


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_an_event_instant_beyond_what_utc_can_hold_is_a_validation_error(value: str) -> None:
    # events keep their schema (no range), but an unconvertible instant is invalid data,
    # not an OverflowError escaping validation
    assert "out of range" in _refused(TypeAdapter(UtcDatetime), value)


def test_the_range_leaves_room_for_date_arithmetic() -> None:
    """Days either side, a year's horizon, a 62-day window and a zone's offset on the
    accepted dates stay far inside what datetime can hold."""
    margin = timedelta(days=400)
    assert date.min + margin < FIRST_ACCEPTED_DATE
    assert LAST_ACCEPTED_DATE + margin < date.max


def test_the_json_schema_shows_the_range() -> None:
    day = DAY.json_schema()
    assert (day["format"], day["formatMinimum"], day["formatMaximum"]) == (
        "date", "2000-01-01", "2100-12-31",
    )  # fmt: skip
    instant = INSTANT.json_schema()
    assert (instant["format"], instant["formatMinimum"], instant["formatExclusiveMaximum"]) == (
        "date-time", "2000-01-01T00:00:00Z", "2101-01-01T00:00:00Z",
    )  # fmt: skip
    assert ACCEPTED_DATES in day["description"] and ACCEPTED_DATES in instant["description"]
