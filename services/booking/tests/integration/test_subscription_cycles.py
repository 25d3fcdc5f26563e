"""Recurring offerings over HTTP and paid cycles through the real Dispatcher and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kairos_contracts.events.payments import PaymentVerified

from .booking_helpers import MENTOR
from .conftest import Api
from .subscription_helpers import cycle_paid, deliver, next_march_change, programme

pytestmark = pytest.mark.integration

MADRID = ZoneInfo("Europe/Madrid")


async def _sessions(api: Api, mentee: uuid.UUID) -> list[Any]:
    return await api.rows(
        "SELECT * FROM bookings WHERE mentee_id = :m ORDER BY starts_at", m=mentee
    )


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"pattern": []}, "needs a weekly pattern"),
        ({"pattern": [{"weekday": 1, "time": "25:00"}]}, "HH:MM"),
        ({"pattern": [{"weekday": 7, "time": "18:00"}]}, "less than or equal to 6"),
        ({"pattern": [{"weekday": 1, "time": "24:00"}]}, "23:59"),
        ({"pattern": [{"weekday": 1, "time": "09:00"}, {"weekday": 1, "time": "18:00"}]}, "one"),
        ({"kind": "one_time"}, "only a recurring offering"),
        ({"kind": "weekly"}, "recurring"),
        ({"price_in_credits": 2}, "price_in_credits"),
    ],
)
async def test_a_malformed_programme_is_422_and_nothing_is_written(
    api: Api, change: dict[str, Any], detail: str
) -> None:
    provider_id, _ = await programme(api)
    body = {
        "title": "Bad", "duration_min": 60, "price_minor": 100, "currency": "EUR",
        "kind": "recurring", "pattern": [{"weekday": 1, "time": "18:00"}], **change,
    }  # fmt: skip
    got = await api.client.post(
        f"/providers/{provider_id}/offerings", json=body, headers=api.token(MENTOR, "mentor")
    )
    assert got.status_code == 422, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert detail in got.text
    assert await api.count("offerings") == 1
    assert len(await api.outbox("OfferingPublished")) == 1


async def test_offerings_are_published_with_versions_and_programmes_have_no_slots(
    api: Api,
) -> None:
    _, offering_id = await programme(api)
    mentor = api.token(MENTOR, "mentor")
    patched = await api.client.patch(
        f"/offerings/{offering_id}",
        json={"pattern": [{"weekday": 3, "time": "19:30"}], "price_minor": 15000},
        headers=mentor,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["pattern"] == [{"weekday": 3, "time": "19:30"}]
    kind = await api.client.patch(
        f"/offerings/{offering_id}", json={"kind": "one_time"}, headers=mentor
    )
    assert kind.status_code == 422
    published = await api.outbox("OfferingPublished")
    assert [(p["version"], p["kind"], p["amount_minor"], p["interval"]) for p in published] == [
        (0, "recurring", 12000, "month"),
        (1, "recurring", 15000, "month"),
    ]
    day = str(date.today() + timedelta(days=3))
    slots = await api.client.get(f"/offerings/{offering_id}/slots", params={"from": day, "to": day})
    assert slots.status_code == 422 and "recurring programme" in slots.text
    at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    held = await api.client.post(
        "/holds",
        json={"offering_id": offering_id, "starts_at": at},
        headers=api.token(uuid.uuid4(), "mentee"),
    )
    assert held.status_code == 422 and "offering-is-recurring" in held.text


async def test_a_paid_cycle_books_every_occurrence_across_the_dst_change(api: Api) -> None:
    _, offering_id = await programme(api)
    start, end, change = next_march_change()
    mentee, subscription = uuid.uuid4(), uuid.uuid4()
    paid = cycle_paid(offering_id, mentee, subscription, 1, start, end)
    assert await deliver(api, paid) == "handled"

    rows = await _sessions(api, mentee)
    tuesdays = [
        start.date() + timedelta(days=d)
        for d in range((end - start).days)
        if (start.date() + timedelta(days=d)).weekday() == 1
    ]
    assert [r.local_date for r in rows] == tuesdays
    assert {r.starts_at.astimezone(MADRID).strftime("%H:%M") for r in rows} == {"18:00"}
    utc_hours = [(r.local_date < change, r.starts_at.astimezone(UTC).hour) for r in rows]
    assert {h for before, h in utc_hours if before} == {17}  # CET, +01:00
    assert {h for before, h in utc_hours if not before} == {16}  # CEST, +02:00
    assert {r.status for r in rows} == {"confirmed"}
    confirmed = await api.outbox("BookingConfirmed")
    assert len(confirmed) == len(tuesdays)
    assert {c["subscription_id"] for c in confirmed} == {str(subscription)}
    assert {c["cycle"]["number"] for c in confirmed} == {1}
    assert sum(c["amount_minor"] for c in confirmed) == 12000

    me = api.token(mentee, "mentee")
    [enrollment] = (await api.client.get("/me/enrollments", headers=me)).json()
    assert enrollment["status"] == "active"
    assert enrollment["current_cycle"]["number"] == 1
    assert len(enrollment["upcoming_sessions"]) == len(tuesdays)
    assert {c["enrollment_id"] for c in confirmed} == {enrollment["enrollment_id"]}
    # the same payment again, and the same cycle under another payment: nothing more
    assert await deliver(api, paid) == "duplicate"
    again = cycle_paid(offering_id, mentee, subscription, 1, start, end)
    assert await deliver(api, again) == "handled"
    assert len(await _sessions(api, mentee)) == len(tuesdays)


async def test_an_occurrence_on_a_closed_date_is_rejected_for_credits(api: Api) -> None:
    provider_id, offering_id = await programme(api)
    start, end, _ = next_march_change()
    mentee = uuid.uuid4()
    first_tuesday = start.date() + timedelta(days=(1 - start.weekday()) % 7)
    put = await api.client.put(
        f"/providers/{provider_id}/overrides/{first_tuesday}",
        json={"kind": "closed"},
        headers=api.token(MENTOR, "mentor"),
    )
    assert put.status_code == 204, put.text
    paid = cycle_paid(offering_id, mentee, uuid.uuid4(), 1, start, end)
    await deliver(api, paid)
    rows = await _sessions(api, mentee)
    assert first_tuesday not in [r.local_date for r in rows]
    [rejected] = await api.outbox("BookingRejected")
    assert rejected["reason"] == "occurrence_unavailable"
    assert rejected["payment_id"] == str(paid.payload_as(PaymentVerified).payment_id)
    assert datetime.fromisoformat(rejected["starts_at"]).astimezone(MADRID).date() == first_tuesday
    shares = [c["amount_minor"] for c in await api.outbox("BookingConfirmed")]
    assert rejected["amount_minor"] + sum(shares) == 12000
    [recorded] = await api.rows("SELECT local_date, detail FROM occurrence_rejections")
    assert (recorded.local_date, recorded.detail) == (
        first_tuesday,
        "the provider is closed that date",
    )


async def test_the_next_cycle_books_the_next_sessions_and_leaves_the_previous(api: Api) -> None:
    _, offering_id = await programme(api)
    start, end, _ = next_march_change()
    mentee, subscription = uuid.uuid4(), uuid.uuid4()
    await deliver(api, cycle_paid(offering_id, mentee, subscription, 1, start, end))
    before = await _sessions(api, mentee)
    await deliver(
        api, cycle_paid(offering_id, mentee, subscription, 2, end, end + timedelta(days=30))
    )
    after = await _sessions(api, mentee)
    assert after[: len(before)] == before  # every column of every earlier row unchanged
    assert {r.cycle_number for r in after[len(before) :]} == {2}
    assert len({r.enrollment_id for r in after}) == 1
    assert len(after) > len(before)


async def test_the_same_cycle_paid_twice_at_once_books_it_once(api: Api) -> None:
    _, offering_id = await programme(api)
    start, end, _ = next_march_change()
    mentee, subscription = uuid.uuid4(), uuid.uuid4()
    twice = [cycle_paid(offering_id, mentee, subscription, 1, start, end) for _ in range(2)]
    outcomes = await asyncio.gather(*(deliver(api, e) for e in twice))
    assert outcomes == ["handled", "handled"]
    rows = await _sessions(api, mentee)
    assert len(rows) == len({r.local_date for r in rows}) > 0
    assert len({r.payment_id for r in rows}) == 1
    decisions = await api.rows("SELECT outcome FROM payment_decisions ORDER BY outcome")
    assert [d.outcome for d in decisions] == ["cycle", "cycle_already_paid"]
