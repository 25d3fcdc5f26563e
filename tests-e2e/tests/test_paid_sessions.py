"""Paid one-time sessions end to end, through the gateway, with real tokens, the real
localstripe and every service process: a paid one-time session, abandoned and failed
payments that leave the slot bookable at once, and paying with credits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from kairos_client.api.booking import booking_get_booking, booking_my_provider, booking_release_hold
from kairos_client.api.payments import (
    payments_booking_payments,
    payments_buy_credit_pack,
    payments_get_credits,
)
from kairos_client.models import PurchaseIn

from kairos_e2e.client import Gateway, answer, eventually
from kairos_e2e.market import Market, Who, booking_of, checkout, mentee, stripe_intent

pytestmark = pytest.mark.e2e


async def test_paid_session_is_booked_once_and_captured(gateway: Gateway) -> None:
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0]
    _, who = mentee(gateway)
    hold = await market.hold(who, slot.starts_at)
    assert hold.status_code == 201, hold.text
    assert hold.model.amount_minor == 4500
    assert await market.free_seats(slot.starts_at) == 0  # a hold takes the seat

    paid = await checkout(
        gateway, who, hold.model.hold_id, method="card", payment_method_id="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    assert paid.model.amount_minor == 4500 and paid.model.currency == "EUR"
    booked = await eventually(lambda: booking_of(gateway, who, slot.starts_at), what="the booking")
    assert booked.status == "confirmed"

    intent_id = paid.model.payment_intent_id
    assert isinstance(intent_id, str), paid.text

    async def captured() -> bool:
        return stripe_intent(gateway, intent_id)["status"] == "succeeded"

    await eventually(captured, what="the capture in Stripe")
    assert stripe_intent(gateway, intent_id)["amount"] == 4500
    # Someone else cannot take the seat now, and cannot read the mentee's bookings.
    _, other = mentee(gateway)
    assert (await market.hold(other, slot.starts_at)).status_code == 409

    # The booking read by id, and its payment, by the mentee, its mentor and an admin;
    # another mentee is refused both.
    admin = gateway.as_user("admin")
    for reader in (who, market.mentor, admin):
        read = await answer(
            booking_get_booking.asyncio_detailed(booked.booking_id, client=gateway.api(reader))
        )
        assert read.status_code == 200, read.text
        assert (read.model.hold_id, read.model.payment_id) == (
            hold.model.hold_id,
            paid.model.payment_id,
        )
        assert read.model.booked_by.user_id == booked.mentee_id
    for reader in (who, admin):

        async def its_payment(reader: Who = reader) -> Any:
            got = await answer(
                payments_booking_payments.asyncio_detailed(
                    booked.booking_id, client=gateway.api(reader)
                )
            )
            # 404 until payments has heard booking confirm it
            return (
                got
                if got.status_code == 200 and got.model.payments[0].status == "captured"
                else None
            )

        [line] = (await eventually(its_payment, what="the booking's payment")).model.payments
        assert (line.payment_id, line.method, line.amount_minor) == (
            paid.model.payment_id,
            "card",
            4500,
        )
        assert (line.charged_minor, line.refunds) == (4500, [])
    refused = await answer(
        booking_get_booking.asyncio_detailed(booked.booking_id, client=gateway.api(other))
    )
    assert refused.status_code == 403, refused.text
    refused_payments = await answer(
        payments_booking_payments.asyncio_detailed(booked.booking_id, client=gateway.api(other))
    )
    assert refused_payments.status_code == 403, refused_payments.text
    mine = await answer(booking_my_provider.asyncio_detailed(client=gateway.api(market.mentor)))
    assert mine.status_code == 200 and mine.model.provider_id == market.provider_id, mine.text


async def test_abandoned_and_failed_payments_leave_the_slot_bookable_at_once(
    gateway: Gateway,
) -> None:
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0]
    _, first = mentee(gateway)

    abandoned = await market.hold(first, slot.starts_at)
    assert abandoned.status_code == 201, abandoned.text
    released = await answer(
        booking_release_hold.asyncio_detailed(abandoned.model.hold_id, client=gateway.api(first))
    )
    assert released.status_code == 204, released.text
    assert await market.free_seats(slot.starts_at) == 1

    _, second = mentee(gateway)
    declined_hold = await market.hold(second, slot.starts_at)
    assert declined_hold.status_code == 201, declined_hold.text
    declined = await checkout(
        gateway,
        second,
        declined_hold.model.hold_id,
        method="card",
        payment_method_id="pm_card_chargeCustomerFail",
    )
    # A refused card keeps the hold for another card (test_money_promises); the payer who
    # gives up releases it, and the slot is bookable at once.
    assert declined.status_code == 402, declined.text
    assert await market.free_seats(slot.starts_at) == 0
    gave_up = await answer(
        booking_release_hold.asyncio_detailed(
            declined_hold.model.hold_id, client=gateway.api(second)
        )
    )
    assert gave_up.status_code == 204, gave_up.text
    assert await market.free_seats(slot.starts_at) == 1
    assert await booking_of(gateway, second, slot.starts_at) is None

    _, third = mentee(gateway)
    retry = await market.hold(third, slot.starts_at)
    assert retry.status_code == 201, retry.text
    paid = await checkout(
        gateway, third, retry.model.hold_id, method="card", payment_method_id="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    await eventually(lambda: booking_of(gateway, third, slot.starts_at), what="the retried booking")


async def test_credits_pay_for_a_session_and_too_few_is_a_402(gateway: Gateway) -> None:
    market = Market(gateway, capacity=3, price_in_credits=3)
    await market.open()
    slot = (await market.slots())[0]
    _, who = mentee(gateway)
    api = gateway.api(who)
    bought = await answer(
        payments_buy_credit_pack.asyncio_detailed(
            client=api, body=PurchaseIn(pack="starter", payment_method_id="pm_card_visa")
        )
    )
    assert bought.status_code == 201, bought.text

    async def balance() -> int | None:
        resp = await answer(payments_get_credits.asyncio_detailed(client=api))
        return resp.model.balance if resp.status_code == 200 and resp.model.balance else None

    async def balance_now() -> int:
        return (await answer(payments_get_credits.asyncio_detailed(client=api))).model.balance

    assert await eventually(balance, what="the purchased credits") == 5

    hold = await market.hold(who, slot.starts_at)
    assert hold.status_code == 201, hold.text
    paid = await checkout(gateway, who, hold.model.hold_id, method="credits")
    assert paid.status_code == 201, paid.text
    await eventually(
        lambda: booking_of(gateway, who, slot.starts_at), what="the credit-paid booking"
    )
    assert await balance_now() == 2

    second_slot = (await market.slots())[1]
    again = await market.hold(who, second_slot.starts_at)
    assert again.status_code == 201, again.text
    short = await checkout(gateway, who, again.model.hold_id, method="credits")
    assert short.status_code == 402, short.text
    assert short.headers["content-type"].startswith("application/problem+json")
    assert short.problem.status == 402
    assert await balance_now() == 2


async def test_payers_racing_for_the_last_seat_never_overbook_or_pay_for_nothing(
    gateway: Gateway,
) -> None:
    """Ten payers at once for the last seat of a capacity-3 slot: one holds it, pays and is
    booked; the nine others are refused their hold (409) and pay nothing."""
    import asyncio

    market = Market(gateway, capacity=3)
    await market.open()
    slot: datetime = (await market.slots())[0].starts_at
    for _ in range(2):  # two seats go the ordinary way first
        await market.book(mentee(gateway)[1], slot)
    assert await market.free_seats(slot) == 1

    async def race(who: Who) -> tuple[int, str | None]:
        hold = await market.hold(who, slot)
        if hold.status_code != 201:
            return hold.status_code, None
        paid = await checkout(
            gateway, who, hold.model.hold_id, method="card", payment_method_id="pm_card_visa"
        )
        if paid.status_code != 201:
            return paid.status_code, None
        intent = paid.model.payment_intent_id
        return paid.status_code, intent if isinstance(intent, str) else None

    payers = [mentee(gateway)[1] for _ in range(10)]
    results = await asyncio.gather(*(race(who) for who in payers))
    winners = [
        (who, intent) for who, (code, intent) in zip(payers, results, strict=True) if code == 201
    ]
    assert len(winners) == 1, results  # one seat, one payer let through to pay
    assert sorted(code for code, _ in results) == [201] + [409] * 9, results
    ((winner, intent_id),) = winners
    booked = await eventually(lambda: booking_of(gateway, winner, slot), what="the last booking")
    assert booked.status == "confirmed"
    assert intent_id is not None

    async def captured() -> bool:
        return stripe_intent(gateway, intent_id)["status"] == "succeeded"

    await eventually(captured, what="the winner's capture")
    # Capacity holds, and the nine others have no booking and nothing to pay.
    assert await market.free_seats(slot) == 0
    for who in payers:
        if who is not winner:
            assert await booking_of(gateway, who, slot) is None
