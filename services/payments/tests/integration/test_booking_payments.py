"""A booking's payments over HTTP (GET /bookings/{booking_id}/payments) against real
PostgreSQL and localstripe: a card checkout captured then partly refunded, a credit
payment, a programme session's cycle; the payer and an admin read them, nobody else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kairos_contracts.events.booking import BookingCancelled, BookingConfirmed, OfferingPublished
from kairos_contracts.examples import example

from .conftest import Payments

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


async def _read(p: Payments, booking_id: uuid.UUID, who: dict[str, str]) -> Any:
    return await p.client.get(f"/bookings/{booking_id}/payments", headers=who)


async def test_a_card_bookings_payment_and_refund_for_the_payer_and_an_admin(
    payments: Payments,
) -> None:
    mentee, booking_id = uuid.uuid4(), uuid.uuid4()
    hold = await payments.place_hold(mentee)
    paid = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "payment_method_id": "pm_card_visa"},
        headers=payments.auth(mentee),
    )
    assert paid.status_code == 201, paid.text
    pid = uuid.UUID(paid.json()["payment_id"])
    # not confirmed by booking yet: payments knows no payment of this booking
    early = await _read(payments, booking_id, payments.auth(mentee))
    assert early.status_code == 404 and early.headers["content-type"].startswith(PROBLEM)
    assert early.json()["type"].endswith("/unknown-booking-payment")

    await payments.deliver(
        example(BookingConfirmed, payment_id=pid, booking_id=booking_id, payment_method="card")
    )
    await payments.deliver(
        example(
            BookingCancelled, payment_id=pid, booking_id=booking_id, refund_amount_minor=1000,
            payment_method="card", subscription_id=None,
        )
    )  # fmt: skip
    for who in (payments.auth(mentee), payments.auth(uuid.uuid4(), "admin")):
        got = await _read(payments, booking_id, who)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["booking_id"] == str(booking_id)
        [line] = body["payments"]
        assert (line["payment_id"], line["kind"], line["method"], line["status"]) == (
            str(pid), "checkout", "card", "captured",
        )  # fmt: skip
        assert (line["amount_minor"], line["currency"], line["charged_minor"]) == (
            4500,
            "EUR",
            4500,
        )
        assert (line["payer_id"], line["hold_id"]) == (str(mentee), str(hold.hold_id))
        [refund] = line["refunds"]
        assert (refund["amount_minor"], refund["status"], refund["reason"]) == (
            1000, "succeeded", "booking_cancelled",
        )  # fmt: skip
        assert line["refunded_minor"] == 1000

    for stranger in (payments.auth(uuid.uuid4()), payments.auth(uuid.uuid4(), "mentor")):
        refused = await _read(payments, booking_id, stranger)
        assert refused.status_code == 403 and refused.json()["type"].endswith("/not-owner")
    malformed = await payments.client.get("/bookings/nope/payments", headers=payments.auth(mentee))
    assert malformed.status_code == 422
    assert malformed.headers["content-type"].startswith(PROBLEM)
    assert (await payments.client.get(f"/bookings/{booking_id}/payments")).status_code == 401


async def test_a_credit_payment_says_credits(payments: Payments) -> None:
    mentee, booking_id = uuid.uuid4(), uuid.uuid4()
    async with payments.service.uow_factory() as uow:
        await uow.credits.credit(mentee, 5, "purchase", uuid.uuid4())
        await uow.commit()
    hold = await payments.place_hold(mentee, price_in_credits=2)
    paid = await payments.client.post(
        "/checkouts", json={"hold_id": str(hold.hold_id), "method": "credits"},
        headers=payments.auth(mentee),
    )  # fmt: skip
    assert paid.status_code == 201, paid.text
    pid = uuid.UUID(paid.json()["payment_id"])
    await payments.deliver(
        example(BookingConfirmed, payment_id=pid, booking_id=booking_id, payment_method="credits")
    )
    got = await _read(payments, booking_id, payments.auth(mentee))
    assert got.status_code == 200, got.text
    [line] = got.json()["payments"]
    assert (line["method"], line["status"], line["credits_spent"]) == ("credits", "captured", 2)
    assert (line["charged_minor"], line["refunds"]) == (0, [])


async def test_a_programme_sessions_payment_is_its_cycle(payments: Payments) -> None:
    mentee, booking_id = uuid.uuid4(), uuid.uuid4()
    offering = example(OfferingPublished, offering_id=uuid.uuid4(), amount_minor=4500)
    await payments.deliver(offering)
    sub = await payments.client.post(
        "/subscriptions",
        json={"offering_id": str(offering.offering_id), "payment_method_id": "pm_card_visa"},
        headers=payments.auth(mentee),
    )
    assert sub.status_code == 201, sub.text
    (verified,) = await payments.outbox("PaymentVerified")
    cycle_payment = uuid.UUID(verified["payment_id"])
    await payments.deliver(
        example(
            BookingConfirmed, payment_id=cycle_payment, booking_id=booking_id,
            payment_method="subscription",
        )
    )  # fmt: skip
    got = await _read(payments, booking_id, payments.auth(uuid.uuid4(), "admin"))
    assert got.status_code == 200, got.text
    [line] = got.json()["payments"]
    assert (line["payment_id"], line["kind"], line["method"], line["status"]) == (
        str(cycle_payment), "cycle", "subscription", "paid",
    )  # fmt: skip
    assert (line["subscription_id"], line["cycle_number"]) == (sub.json()["subscription_id"], 1)
    assert line["payer_id"] == str(mentee)
    # another session of the same cycle is not this booking
    other = await _read(payments, uuid.uuid4(), payments.auth(mentee))
    assert other.status_code == 404
