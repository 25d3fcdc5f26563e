"""PaymentVerified -> booking through the real Dispatcher and PostgreSQL, under races."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kairos_booking.entrypoints.jobs import expire_until_done
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentCancelled, PaymentFailed, PaymentVerified

from .booking_helpers import (
    booked,
    dispatcher,
    expired_holds,
    first_slot,
    hold,
    next_weekday,
    provider_with_offering,
    record,
    verified,
)

pytestmark = pytest.mark.integration


async def test_200_payers_race_for_3_seats(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=3)
    starts_at = await first_slot(api, offering_id, next_weekday(1))
    holds = await expired_holds(api, offering_id, starts_at, 200)
    envelopes = [verified(str(h.hold_id), h.mentee_id, offering_id) for h in holds]
    d = dispatcher(api)

    outcomes = await asyncio.gather(*(d.handle(record(e, i)) for i, e in enumerate(envelopes)))

    assert Counter(map(str, outcomes)) == {"handled": 200}
    assert await api.count("bookings") == 3
    rejected = await api.outbox("BookingRejected")
    assert Counter(r["reason"] for r in rejected) == {"slot_full": 197}
    confirmed = await api.outbox("BookingConfirmed")
    paid = {str(e.payload_as(PaymentVerified).payment_id) for e in envelopes}
    ended = [r["payment_id"] for r in rejected + confirmed]
    assert sorted(ended) == sorted(paid)  # every payment: booked or rejected, exactly once
    assert (await api.rows("SELECT taken FROM slot_seats"))[0][0] == 3


async def test_a_full_slot_racing_payers_still_get_the_seat_of_an_overdue_hold(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=2)
    starts_at = await first_slot(api, offering_id, next_weekday(4))
    for _ in range(2):
        assert (await hold(api, uuid.uuid4(), offering_id, starts_at)).status_code == 201
    overdue = (await api.rows("SELECT hold_id FROM holds ORDER BY created_at LIMIT 1"))[0][0]
    await api.rows(
        "UPDATE holds SET expires_at = now() - interval '1 second' WHERE hold_id = :h RETURNING 1",
        h=overdue,
    )  # full, and one seat can be given back: the fast refusal must not fire
    late = await expired_holds(api, offering_id, starts_at, 30)
    envelopes = [verified(str(h.hold_id), h.mentee_id, offering_id) for h in late]
    d = dispatcher(api)

    await asyncio.gather(*(d.handle(record(e, i)) for i, e in enumerate(envelopes)))

    assert await api.count("bookings") == 1
    rejected = await api.outbox("BookingRejected")
    assert Counter(r["reason"] for r in rejected) == {"slot_full": 29}
    assert [r["hold_id"] for r in await api.outbox("HoldExpired")] == [str(overdue)]
    assert (await api.rows("SELECT taken FROM slot_seats"))[0][0] == 2


async def test_every_payment_delivered_twice_still_books_once(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=5)
    starts_at = await first_slot(api, offering_id, next_weekday(3))
    mentees = [uuid.uuid4() for _ in range(5)]
    held = [await hold(api, m, offering_id, starts_at) for m in mentees]
    envelopes = [
        verified(h.json()["hold_id"], m, offering_id) for h, m in zip(held, mentees, strict=True)
    ]
    # the same payment again under a new event id (payments re-verified it)
    again = [
        verified(
            h.json()["hold_id"], m, offering_id, payment_id=e.payload_as(PaymentVerified).payment_id
        )
        for h, m, e in zip(held, mentees, envelopes, strict=True)
    ]
    d = dispatcher(api)
    batch = [record(e, i) for i, e in enumerate(envelopes + envelopes + again)]

    outcomes = await asyncio.gather(*(d.handle(r) for r in batch))

    assert Counter(map(str, outcomes))["duplicate"] == 5
    assert await api.count("bookings") == 5
    assert len(await api.outbox("BookingConfirmed")) == 5
    assert await api.outbox("BookingRejected") == []
    statuses = await api.rows("SELECT DISTINCT status FROM holds")
    assert [s[0] for s in statuses] == ["converted"]


async def test_an_abandoned_payment_frees_the_slot_at_once_a_declined_card_does_not(
    api: Any,
) -> None:
    _, offering_id = await provider_with_offering(api, capacity=1)
    starts_at = await first_slot(api, offering_id, next_weekday(4))
    mentee, next_mentee = uuid.uuid4(), uuid.uuid4()
    hold_id = (await hold(api, mentee, offering_id, starts_at)).json()["hold_id"]
    assert (await hold(api, next_mentee, offering_id, starts_at)).status_code == 409
    now = datetime.now(UTC)
    common = {"payment_id": uuid.uuid4(), "method": "card", "mentee_id": mentee}
    declined = PaymentFailed(**common, hold_id=hold_id, failure_code="card_declined", failed_at=now)
    await dispatcher(api).handle(record(Envelope.wrap(declined, source="payments")))
    assert await api.outbox("HoldReleased") == []  # the payer may try another card
    assert (await hold(api, next_mentee, offering_id, starts_at)).status_code == 409

    abandoned = PaymentCancelled(**common, hold_id=hold_id, reason="abandoned", cancelled_at=now)
    await dispatcher(api).handle(record(Envelope.wrap(abandoned, source="payments")))
    assert await api.count("bookings") == 0
    released = await api.outbox("HoldReleased")
    assert [(r["hold_id"], r["reason"]) for r in released] == [(hold_id, "payment_cancelled")]
    assert (await hold(api, next_mentee, offering_id, starts_at)).status_code == 201


async def test_a_late_payment_for_an_expired_hold_takes_a_free_seat_or_is_rejected(
    api: Any,
) -> None:
    _, offering_id = await provider_with_offering(api, capacity=1)
    starts_at = await first_slot(api, offering_id, next_weekday(5))
    late, winner = uuid.uuid4(), uuid.uuid4()
    late_hold = (await hold(api, late, offering_id, starts_at)).json()["hold_id"]
    await api.rows("UPDATE holds SET expires_at = now() - interval '1 second' RETURNING 1")
    assert await expire_until_done(api.service, 10) == 1
    # the seat is free again: someone else holds it, and the late payment is refused
    win_hold = (await hold(api, winner, offering_id, starts_at)).json()["hold_id"]
    d = dispatcher(api)
    await d.handle(record(verified(late_hold, late, offering_id)))
    assert [r["reason"] for r in await api.outbox("BookingRejected")] == ["slot_full"]
    await d.handle(record(verified(win_hold, winner, offering_id)))
    assert await api.count("bookings") == 1


async def test_two_concurrent_expiry_runs_expire_each_hold_once(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=20)
    starts_at = await first_slot(api, offering_id, next_weekday(6))
    for _ in range(20):
        assert (await hold(api, uuid.uuid4(), offering_id, starts_at)).status_code == 201
    await api.rows("UPDATE holds SET expires_at = now() - interval '1 second' RETURNING 1")

    counts = await asyncio.gather(
        expire_until_done(api.service, 3), expire_until_done(api.service, 3)
    )

    assert sum(counts) == 20
    expired = [r["hold_id"] for r in await api.outbox("HoldExpired")]
    assert len(expired) == len(set(expired)) == 20
    assert (await api.rows("SELECT taken FROM slot_seats"))[0][0] == 0
    assert await expire_until_done(api.service, 3) == 0


async def test_booked_session_is_listed_rescheduled_and_cancelled(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api, capacity=1)
    day = next_weekday(2) + timedelta(days=7)
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
    )
    first, second = [s["starts_at"] for s in got.json()["slots"][:2]]
    mentee = uuid.uuid4()
    me = api.token(mentee, "mentee")
    await booked(api, mentee, offering_id, first)
    [booking] = (await api.client.get("/me/bookings", headers=me)).json()["items"]
    assert booking["starts_at"] == first and booking["status"] == "confirmed"

    stranger = api.token(uuid.uuid4(), "mentee")
    url = f"/bookings/{booking['booking_id']}"
    assert (await api.client.post(f"{url}/cancel", json={}, headers=stranger)).status_code == 403
    moved = await api.client.post(f"{url}/reschedule", json={"starts_at": second}, headers=me)
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    # the old slot is free again, the new one is taken
    assert (await hold(api, uuid.uuid4(), offering_id, first)).status_code == 201
    assert (await hold(api, uuid.uuid4(), offering_id, second)).status_code == 409
    # rescheduling into a full slot: 409 and nothing moved
    full = await api.client.post(f"{url}/reschedule", json={"starts_at": first}, headers=me)
    assert full.status_code == 409

    mentor = api.token(uuid.UUID("00000000-0000-0000-0000-00000000a001"), "mentor")
    schedule = await api.client.get(
        f"/providers/{provider_id}/schedule",
        params={"from": str(day), "to": str(day)},
        headers=mentor,
    )
    assert [b["starts_at"] for b in schedule.json()["bookings"]] == [second]
    cancelled = await api.client.post(f"{url}/cancel", json={"reason": "ill"}, headers=me)
    assert cancelled.status_code == 200, cancelled.text
    [event] = await api.outbox("BookingCancelled")
    assert (event["cancelled_by"], event["reason"], event["refund_amount_minor"]) == (
        "mentee", "by_mentee", 5000,
    )  # fmt: skip
    assert event["sequence"] == 2
    again = await api.client.post(f"{url}/cancel", json={}, headers=me)
    assert again.status_code == 409
    assert (await hold(api, uuid.uuid4(), offering_id, second)).status_code == 201
