"""What the API tells a person is what happens to their money, through the gateway with the
whole stack: a released hold is never booked or charged, a declined card keeps the hold for
another card, a card confirmed in the browser settles without waiting for reconciliation,
and a cancelled programme session's announced refund reaches the card.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
from kairos_client.api.booking import booking_cancel, booking_release_hold
from kairos_client.api.payments import payments_confirm_checkout, payments_my_payments
from kairos_client.models import CancelIn, HoldOut, StatementLineOut

from kairos_e2e.client import Gateway, answer, eventually
from kairos_e2e.market import (
    Market,
    Subscriber,
    Who,
    booking_of,
    checkout,
    instant,
    mentee,
    stripe_get,
    stripe_intent,
    weekly_pattern,
)

pytestmark = pytest.mark.e2e


def browser_confirms(gw: Gateway, intent_id: str, card: str = "pm_card_visa") -> str:
    """What Stripe.js confirmCardPayment does: confirm with the card given."""
    auth = (gw.stripe_api_key, "")
    with httpx.Client(base_url=gw.stripe_api_base, auth=auth, timeout=10) as stripe:
        confirmed = stripe.post(
            f"/v1/payment_intents/{intent_id}/confirm", data={"payment_method": card}
        )
        return str(confirmed.json().get("status"))


async def statement(gw: Gateway, who: Who) -> dict[uuid.UUID, StatementLineOut]:
    resp = await answer(payments_my_payments.asyncio_detailed(client=gw.api(who), limit=200))
    assert resp.status_code == 200, resp.text
    return {line.payment_id: line for line in resp.model.items}


def intent_of(intent_id: object) -> str:
    """A card checkout's PaymentIntent id (a card checkout always has one)."""
    assert isinstance(intent_id, str), intent_id
    return intent_id


async def one_hold(gateway: Gateway) -> tuple[Market, datetime, Who, HoldOut]:
    """A one-seat slot held by a new mentee: the market, the slot, the mentee, the hold."""
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0].starts_at
    _, who = mentee(gateway)
    hold = await market.hold(who, slot)
    assert hold.status_code == 201, hold.text
    return market, slot, who, hold.model


async def test_a_hold_released_after_the_browser_paid_is_never_booked_or_charged(
    gateway: Gateway,
) -> None:
    market, slot, who, hold = await one_hold(gateway)
    opened = await checkout(gateway, who, hold.hold_id, method="card")
    assert opened.status_code == 201, opened.text
    intent_id = intent_of(opened.model.payment_intent_id)
    assert browser_confirms(gateway, intent_id) == "requires_capture"

    released = await answer(
        booking_release_hold.asyncio_detailed(hold.hold_id, client=gateway.api(who))
    )
    assert released.status_code == 204, released.text
    assert await market.free_seats(slot) == 1

    async def voided() -> bool:
        return stripe_intent(gateway, intent_id)["status"] == "canceled"

    await eventually(voided, what="the authorization of the released hold voided")
    line = (await statement(gateway, who))[opened.model.payment_id]
    assert line.charged_minor == 0 and line.status in ("cancelled", "voided"), line
    assert await booking_of(gateway, who, slot) is None
    # The seat the release gave back is really free: the next payer gets it.
    _, next_payer = mentee(gateway)
    booked = await market.book(next_payer, slot)
    assert booked.status == "confirmed"
    assert await booking_of(gateway, who, slot) is None


async def test_a_declined_card_keeps_the_hold_and_another_card_pays_for_it(
    gateway: Gateway,
) -> None:
    market, slot, who, hold = await one_hold(gateway)
    hold_id = hold.hold_id
    refused = await checkout(
        gateway, who, hold_id, method="card", payment_method_id="pm_card_chargeCustomerFail"
    )
    assert refused.status_code == 402, refused.text
    problem = refused.problem  # its extension members by name
    assert problem.type_.endswith("/card-declined"), problem
    assert problem["decline_code"] == "card_declined"
    assert isinstance(problem.detail, str) and "declined" in problem.detail
    assert instant(problem["hold_expires_at"]) == hold.expires_at
    payment_id = uuid.UUID(problem["payment_id"])
    assert await market.free_seats(slot) == 0  # still the payer's
    _, other = mentee(gateway)
    assert (await market.hold(other, slot)).status_code == 409

    paid = await checkout(gateway, who, hold_id, method="card", payment_method_id="pm_card_visa")
    assert paid.status_code == 200, paid.text
    assert paid.model.payment_id == payment_id
    assert paid.model.status == "verified"
    booked = await eventually(lambda: booking_of(gateway, who, slot), what="the booking")
    assert booked.status == "confirmed"

    async def captured() -> StatementLineOut | None:
        line = (await statement(gateway, who))[payment_id]
        return line if line.charged_minor == market.price_minor else None

    line = await eventually(captured, what="the second card charged once")
    assert line.decline is None and line.refunded_minor == 0


async def test_a_card_confirmed_in_the_browser_settles_without_reconciliation(
    gateway: Gateway,
) -> None:
    """Reconciliation re-checks an open PaymentIntent only after PAYMENT_STALE_AFTER_S
    (15 s): the deadlines below are shorter, so only Stripe's event or the browser's own
    word (POST /checkouts/{id}/confirmation) can settle these payments in time."""
    market = Market(gateway, capacity=2)
    await market.open()
    slot = (await market.slots())[0].starts_at
    payers = [mentee(gateway)[1] for _ in range(2)]
    opened = []
    for who in payers:
        hold = await market.hold(who, slot)
        resp = await checkout(gateway, who, hold.model.hold_id, method="card")
        assert resp.status_code == 201, resp.text
        opened.append(resp.model)
        intent_id = intent_of(resp.model.payment_intent_id)
        assert browser_confirms(gateway, intent_id) == "requires_capture"

    told = await answer(
        payments_confirm_checkout.asyncio_detailed(
            opened[0].payment_id, client=gateway.api(payers[0])
        )
    )
    assert told.status_code == 200, told.text
    assert told.model.status == "verified"  # settled by the call itself
    for who in payers:  # the other by Stripe's payment_intent.amount_capturable_updated
        booked = await eventually(
            partial(booking_of, gateway, who, slot), timeout=10, what="booked in time"
        )
        assert booked.status == "confirmed"
    stranger = await answer(
        payments_confirm_checkout.asyncio_detailed(
            opened[0].payment_id, client=gateway.api(payers[1])
        )
    )
    assert stranger.status_code == 404, stranger.text


async def test_a_cancelled_programme_session_refunds_exactly_what_the_api_said(
    gateway: Gateway,
) -> None:
    market = Market(gateway, pattern=weekly_pattern(), price_minor=4500)
    await market.open()
    sub = Subscriber(gateway, market)
    await sub.subscribe()
    sessions = await sub.sessions_when(lambda s: len(s) >= 2, "the cycle's sessions")
    later = sorted(
        (b for b in sessions.values() if b.starts_at > datetime.now(UTC) + timedelta(days=2)),
        key=lambda b: b.starts_at,
    )
    assert len(later) >= 2, sessions
    by_mentor = await answer(
        booking_cancel.asyncio_detailed(
            later[0].booking_id, client=gateway.api(market.mentor), body=CancelIn()
        )
    )
    by_mentee = await answer(
        booking_cancel.asyncio_detailed(later[1].booking_id, client=sub.api, body=CancelIn())
    )
    told: list[int] = []
    for resp, session in ((by_mentor, later[0]), (by_mentee, later[1])):
        assert resp.status_code == 200, resp.text
        refund = resp.model.refund_amount_minor
        assert isinstance(refund, int) and refund == session.amount_minor > 0, resp.text
        told.append(refund)

    async def refunded() -> StatementLineOut | None:
        cycles = [x for x in (await statement(gateway, sub.who)).values() if x.kind == "cycle"]
        return cycles[0] if cycles and cycles[0].refunded_minor == sum(told) else None

    cycle = await eventually(refunded, what="both shares refunded on the cycle")
    assert cycle.charged_minor == 4500
    subscription = await sub.subscription()
    invoice = stripe_get(gateway, f"/v1/subscriptions/{subscription.stripe_subscription_id}")[
        "latest_invoice"
    ]
    intent = stripe_get(gateway, f"/v1/invoices/{invoice}")["payment_intent"]
    intent_id = intent["id"] if isinstance(intent, dict) else intent
    refunds = stripe_get(gateway, "/v1/refunds", payment_intent=intent_id)["data"]
    assert sorted(r["amount"] for r in refunds) == sorted(told)
