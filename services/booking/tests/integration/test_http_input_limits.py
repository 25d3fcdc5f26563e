"""Input the API refuses before a handler runs: dates outside the accepted range and an
explicit null on a field that cannot be null. Each is a 422 problem+json naming the field,
never a 5xx, and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .booking_helpers import (
    MENTOR,
    booked,
    hold,
    next_weekday,
    provider_with_offering,
)

pytestmark = pytest.mark.integration

OUT_OF_RANGE_INSTANTS = [
    "9999-12-31T12:00:00Z",
    "0001-01-01T12:00:00Z",
    "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
    "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
    "2100-12-31T23:00:00-01:00",  # 2101 in UTC
]
OUT_OF_RANGE_DAYS = [
    ("9999-12-30", "9999-12-31"),
    ("0001-01-01", "0001-01-02"),
    ("1999-12-31", "2000-01-01"),
    ("2100-12-31", "2101-01-01"),
]
TABLES = ["providers", "offerings", "date_overrides", "holds", "slot_seats", "bookings", "outbox"]


def _refused(resp: Any, *fields: str, says: tuple[str, ...]) -> None:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    errors = resp.json()["errors"]
    assert errors and {e["field"] for e in errors} <= set(fields), errors
    for e in errors:
        assert all(s in e["message"] for s in says), e


def _out_of_range(resp: Any, *fields: str) -> None:
    _refused(resp, *fields, says=("2000-01-01", "2100-12-31"))


async def _snapshot(api: Any) -> list[Any]:
    counts: list[Any] = [await api.count(t) for t in TABLES]
    for table in ("providers", "offerings", "bookings"):
        counts.append(sorted(map(str, await api.rows(f"SELECT * FROM {table}"))))
    return counts


async def _booking(api: Any, offering_id: str) -> tuple[str, dict[str, str]]:
    day = next_weekday(2)
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
    )
    starts_at = got.json()["slots"][0]["starts_at"]
    mentee = uuid.uuid4()
    await booked(api, mentee, offering_id, starts_at)
    [booking_id] = await api.rows("SELECT booking_id FROM bookings")
    return str(booking_id[0]), api.token(mentee, "mentee")


async def test_instants_outside_the_accepted_range_are_422_and_write_nothing(api: Any) -> None:
    _, offering_id = await provider_with_offering(api)
    booking_id, mentee = await _booking(api, offering_id)
    before = await _snapshot(api)
    for at in OUT_OF_RANGE_INSTANTS:
        held = await hold(api, uuid.uuid4(), offering_id, at)
        _out_of_range(held, "starts_at")
        moved = await api.client.post(
            f"/bookings/{booking_id}/reschedule", json={"starts_at": at}, headers=mentee
        )
        _out_of_range(moved, "starts_at")
    assert await _snapshot(api) == before


async def test_days_outside_the_accepted_range_are_422_and_write_nothing(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    mentor = api.token(MENTOR, "mentor")
    before = await _snapshot(api)
    for first, last in OUT_OF_RANGE_DAYS:
        days = {"from": first, "to": last}
        slots = await api.client.get(f"/offerings/{offering_id}/slots", params=days)
        _out_of_range(slots, "from", "to")
        schedule = await api.client.get(
            f"/providers/{provider_id}/schedule", params=days, headers=mentor
        )
        _out_of_range(schedule, "from", "to")
        for day in (first, last):
            if "2000" < day < "2101":
                continue
            url = f"/providers/{provider_id}/overrides/{day}"
            put = await api.client.put(url, json={"kind": "closed"}, headers=mentor)
            _out_of_range(put, "day")
            _out_of_range(await api.client.delete(url, headers=mentor), "day")
    assert await _snapshot(api) == before


async def test_the_edges_of_the_accepted_range_are_answered_without_error(api: Any) -> None:
    """Date arithmetic on the first and last accepted dates (a day either side, a slot
    window, the provider's zone) stays inside what Python's datetime can hold."""
    provider_id, offering_id = await provider_with_offering(api, zone="Pacific/Kiritimati")
    mentor = api.token(MENTOR, "mentor")
    for first, last in (("2000-01-01", "2000-01-02"), ("2100-11-01", "2100-12-31")):
        days = {"from": first, "to": last}
        slots = await api.client.get(f"/offerings/{offering_id}/slots", params=days)
        assert (slots.status_code, slots.json()["slots"]) == (200, []), slots.text
        schedule = await api.client.get(
            f"/providers/{provider_id}/schedule", params=days, headers=mentor
        )
        assert (schedule.status_code, schedule.json()["bookings"]) == (200, []), schedule.text
    for at in ("2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2101-01-01T13:00:00+14:00"):
        refused = await hold(api, uuid.uuid4(), offering_id, at)  # accepted, then judged
        assert refused.status_code == 422, refused.text
        assert "errors" not in refused.json(), refused.text  # the bookable window's answer
        assert "too far ahead" in refused.json()["detail"], refused.text


NOT_NULL_OFFERING = [
    "title",
    "duration_min",
    "price_minor",
    "currency",
    "capacity",
    "buffer_before_min",
    "buffer_after_min",
    "min_notice_min",
    "horizon_days",
    "refund_full_hours_before",
    "kind",
    "pattern",
    "reminder_minutes_before",
    "active",
]
NOT_NULL_PROVIDER = ["display_name", "time_zone", "active"]


@pytest.mark.parametrize(
    ("what", "field"),
    [("offering", f) for f in NOT_NULL_OFFERING] + [("provider", f) for f in NOT_NULL_PROVIDER],
)
async def test_an_explicit_null_on_a_field_that_cannot_be_null_is_422(
    api: Any, what: str, field: str
) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    url = f"/offerings/{offering_id}" if what == "offering" else f"/providers/{provider_id}"
    before = await _snapshot(api)
    resp = await api.client.patch(url, json={field: None}, headers=api.token(MENTOR, "mentor"))
    _refused(resp, field, says=("may be omitted but not null",))
    assert await _snapshot(api) == before


async def test_null_still_clears_the_fields_that_may_be_empty(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(
        api, price_in_credits=3, meeting_url="https://meet.example/ada"
    )
    mentor = api.token(MENTOR, "mentor")
    cleared = {"price_in_credits": None, "meeting_url": None}
    offering = await api.client.patch(f"/offerings/{offering_id}", json=cleared, headers=mentor)
    assert offering.status_code == 200, offering.text
    assert [offering.json()[k] for k in cleared] == [None, None]
    provider = await api.client.patch(
        f"/providers/{provider_id}", json={"email": None}, headers=mentor
    )
    assert (provider.status_code, provider.json()["email"]) == (200, None), provider.text
