"""An offering's reminder times through the HTTP API: set on create and change, answered
by every read, refused (422 naming the field, nothing written) when invalid, and carried
by the booking events."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from .booking_helpers import (
    MENTOR,
    booked,
    first_slot,
    next_weekday,
    provider_with_offering,
)

pytestmark = pytest.mark.integration

FIELD = "reminder_minutes_before"
BODY = {"title": "Mentoring", "duration_min": 60, "price_minor": 5000, "currency": "EUR"}
INVALID: list[tuple[Any, str]] = [
    ([60, 60], FIELD),
    ([1440, 720, 60, 30, 15, 5], FIELD),
    ([4], f"{FIELD}[0]"),
    ([60, 10081], f"{FIELD}[1]"),
    ([60.5], f"{FIELD}[0]"),
    (["60"], f"{FIELD}[0]"),
    ([True], f"{FIELD}[0]"),
    (60, FIELD),
]
TABLES = ["offerings", "outbox"]


async def _snapshot(api: Any) -> list[Any]:
    return [sorted(map(str, await api.rows(f"SELECT * FROM {t}"))) for t in TABLES]


def _refused(resp: Any, field: str) -> None:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    errors = resp.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors


async def _stored(api: Any, offering_id: str) -> Any:
    [row] = await api.rows(
        "SELECT reminder_minutes_before FROM offerings WHERE offering_id = :o",
        o=uuid.UUID(offering_id),
    )
    return row[0]


async def test_reminders_round_trip_default_sorted_and_off(api: Any) -> None:
    provider_id, default = await provider_with_offering(api)
    mentor = api.token(MENTOR, "mentor")
    got = await api.client.get(f"/offerings/{default}")
    assert (got.status_code, got.json()[FIELD]) == (200, [1440, 60]), got.text
    assert await _stored(api, default) == [1440, 60]

    made = await api.client.post(
        f"/providers/{provider_id}/offerings",
        json={**BODY, "title": "Another", FIELD: [30, 2880, 5]},
        headers=mentor,
    )
    assert (made.status_code, made.json()[FIELD]) == (201, [2880, 30, 5]), made.text
    offering_id = made.json()["offering_id"]
    assert await _stored(api, offering_id) == [2880, 30, 5]
    listed = await api.client.get("/offerings", params={"provider_id": provider_id})
    assert {o["title"]: o[FIELD] for o in listed.json()["items"]} == {
        "Mentoring": [1440, 60],
        "Another": [2880, 30, 5],
    }, listed.text

    changed = await api.client.patch(
        f"/offerings/{offering_id}", json={FIELD: [60, 10080]}, headers=mentor
    )
    assert (changed.status_code, changed.json()[FIELD]) == (200, [10080, 60]), changed.text
    other = await api.client.patch(
        f"/offerings/{offering_id}", json={"title": "Renamed"}, headers=mentor
    )
    assert other.json()[FIELD] == [10080, 60], other.text  # left alone
    off = await api.client.patch(f"/offerings/{offering_id}", json={FIELD: []}, headers=mentor)
    assert (off.status_code, off.json()[FIELD]) == (200, []), off.text
    assert (await api.client.get(f"/offerings/{offering_id}")).json()[FIELD] == []
    assert await _stored(api, offering_id) == []


@pytest.mark.parametrize(("sent", "field"), INVALID)
async def test_invalid_reminders_are_422_naming_the_field_and_write_nothing(
    api: Any, sent: Any, field: str
) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    mentor = api.token(MENTOR, "mentor")
    before = await _snapshot(api)
    created = await api.client.post(
        f"/providers/{provider_id}/offerings", json={**BODY, FIELD: sent}, headers=mentor
    )
    _refused(created, field)
    patched = await api.client.patch(
        f"/offerings/{offering_id}", json={FIELD: sent, "title": "New"}, headers=mentor
    )
    _refused(patched, field)
    assert await _snapshot(api) == before


async def test_null_is_refused_on_change_and_on_create(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    mentor = api.token(MENTOR, "mentor")
    before = await _snapshot(api)
    patched = await api.client.patch(
        f"/offerings/{offering_id}", json={FIELD: None}, headers=mentor
    )
    _refused(patched, FIELD)
    assert "may be omitted but not null" in patched.json()["errors"][0]["message"]
    created = await api.client.post(
        f"/providers/{provider_id}/offerings", json={**BODY, FIELD: None}, headers=mentor
    )
    _refused(created, FIELD)
    assert await _snapshot(api) == before


async def _events(api: Any, event_type: str) -> list[dict[str, Any]]:
    rows = await api.rows(
        "SELECT payload FROM outbox WHERE event_type = :t ORDER BY id", t=event_type
    )
    return [r[0]["data"] for r in rows]


async def test_booking_events_carry_the_offerings_reminders(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, reminder_minutes_before=[15, 1440])
    mentor = api.token(MENTOR, "mentor")
    day = next_weekday(2)
    starts_at = await first_slot(api, offering_id, day)
    mentee = uuid.uuid4()
    await booked(api, mentee, offering_id, starts_at)
    [confirmed] = await _events(api, "BookingConfirmed")
    assert confirmed[FIELD] == [1440, 15]
    booking_id = confirmed["booking_id"]

    changed = await api.client.patch(
        f"/offerings/{offering_id}", json={FIELD: [30]}, headers=mentor
    )
    assert changed.status_code == 200, changed.text
    later = (datetime.fromisoformat(starts_at) + timedelta(hours=1)).isoformat()
    moved = await api.client.post(
        f"/bookings/{booking_id}/reschedule", json={"starts_at": later}, headers=mentor
    )
    assert moved.status_code == 200, moved.text
    [rescheduled] = await _events(api, "BookingRescheduled")
    assert rescheduled[FIELD] == [30]

    off = await api.client.patch(f"/offerings/{offering_id}", json={FIELD: []}, headers=mentor)
    assert off.status_code == 200, off.text
    cancelled = await api.client.post(f"/bookings/{booking_id}/cancel", json={}, headers=mentor)
    assert cancelled.status_code == 200, cancelled.text
    [event] = await _events(api, "BookingCancelled")
    assert event[FIELD] == []  # reminders off: said, not left to the default
