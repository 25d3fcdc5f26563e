"""Handlers with fakes: decisions on Stripe state, exactly-once side effects, no I/O."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from kairos_contracts.events.booking import (
    BookingConfirmed,
    BookingRejected,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
)
from kairos_contracts.events.payments import (
    PaymentCancelled,
    PaymentCaptured,
    PaymentFailed,
    PaymentVerified,
    PaymentVoided,
)
from kairos_contracts.examples import example
from kairos_payments.domain.credits import InsufficientCredits
from kairos_payments.domain.payments import (
    Observation,
    Outcome,
    Payment,
    PaymentStatus,
    credits_for_refund,
    outcome_for_open_payment,
)
from kairos_payments.service_layer import checkout, reconcile
from kairos_payments.service_layer.gateway import StripeEvent
from kairos_payments.service_layer.stripe_events import handle_stripe_event

from .fakes import FakePaymentsUnitOfWork, FakeStripe, consume


async def _card_checkout(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, payment_method: str | None
) -> uuid.UUID:
    mentee = uuid.uuid4()
    hold = example(
        HoldPlaced,
        hold_id=uuid.uuid4(),
        mentee_id=mentee,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    await consume(uow, stripe, hold)
    result = await checkout.checkout_card(
        uow,
        stripe,
        hold_id=hold.hold_id,
        caller=checkout.Caller(mentee),
        payment_method=payment_method,
        wait_s=0,
        takeover_s=30,
    )
    return result.payment.payment_id


async def _verified_card(uow: FakePaymentsUnitOfWork, stripe: FakeStripe) -> uuid.UUID:
    pid = await _card_checkout(uow, stripe, "pm_card_visa")
    assert uow.payments.rows[pid].status is PaymentStatus.VERIFIED
    return pid


async def _open_card(uow: FakePaymentsUnitOfWork, stripe: FakeStripe) -> uuid.UUID:
    """Checked out without a payment method: the browser has yet to pay."""
    pid = await _card_checkout(uow, stripe, None)
    assert uow.payments.rows[pid].status is PaymentStatus.OPEN
    return pid


def test_decisions_follow_the_intent_status_not_the_event_name() -> None:
    assert outcome_for_open_payment(Observation("requires_capture")) is Outcome.VERIFIED
    assert outcome_for_open_payment(Observation("canceled")) is Outcome.CANCELLED
    assert outcome_for_open_payment(Observation("requires_payment_method")) is Outcome.NOTHING
    failed = Observation("requires_payment_method", failed=True)
    assert outcome_for_open_payment(failed) is Outcome.DECLINED  # open for another card
    assert credits_for_refund(4, 3000, 3000) == 4 and credits_for_refund(4, 3000, 1500) == 2


async def test_booking_confirmed_replayed_captures_once() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    confirmed = example(BookingConfirmed, payment_id=pid)
    for _ in range(3):  # new envelope each time: the inbox cannot help, our state must
        await consume(uow, stripe, confirmed)
    assert stripe.count("capture") == 1
    assert len(uow.events(PaymentCaptured)) == 1
    assert uow.payments.rows[pid].status is PaymentStatus.CAPTURED


async def test_a_capture_is_one_stripe_call() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id
    stripe.calls.clear()
    await consume(uow, stripe, example(BookingConfirmed, payment_id=pid))
    assert stripe.calls == [("capture", intent)]
    assert uow.payments.rows[pid].status is PaymentStatus.CAPTURED


async def test_captured_before_a_crash_is_recorded_from_stripe_not_captured_again() -> None:
    """Stripe captured, we crashed before our commit: the re-driven capture is refused
    (Stripe's state machine), the intent re-fetched, and its capture recorded once."""
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id or ""
    stripe.intents[intent] = dataclasses.replace(stripe.intents[intent], status="succeeded")
    row = uow.payments.rows[pid]
    uow.payments.rows[pid] = dataclasses.replace(row, status=PaymentStatus.CAPTURING)
    await reconcile.reconcile_once(uow, stripe, stale_after_s=0)
    assert stripe.refused == 1 and stripe.count("capture") == 1  # the refused one
    assert uow.payments.rows[pid].status is PaymentStatus.CAPTURED
    assert len(uow.events(PaymentCaptured)) == 1


async def test_a_void_of_what_was_captured_after_all_becomes_a_refund() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id or ""
    stripe.intents[intent] = dataclasses.replace(stripe.intents[intent], status="succeeded")
    await consume(uow, stripe, example(BookingRejected, payment_id=pid))
    assert stripe.refused == 1  # the void: Stripe will not cancel a captured intent
    assert uow.payments.rows[pid].status is PaymentStatus.CAPTURED
    await reconcile.reconcile_once(uow, stripe, stale_after_s=0)
    assert stripe.count("refund") == 1 and uow.events(PaymentVoided) == []


async def test_capture_with_stripe_down_is_recorded_and_the_sweeper_finishes_it() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    stripe.down = True
    await consume(uow, stripe, example(BookingConfirmed, payment_id=pid))
    assert uow.payments.rows[pid].status is PaymentStatus.CAPTURING  # the wish is durable
    assert uow.events(PaymentCaptured) == []
    stripe.down = False
    report = await reconcile.reconcile_once(uow, stripe, stale_after_s=0)
    assert stripe.count("capture") == 1 and len(uow.events(PaymentCaptured)) == 1
    service = f"payments-{uuid.uuid4().hex[:8]}"  # a label of its own in the global registry
    report.count(service)
    repairs = {"service": service, "kind": "payment"}
    assert REGISTRY.get_sample_value("reconciliation_repairs_total", repairs) == 1


async def test_rejection_voids_and_a_late_duplicate_changes_nothing() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    rejected = example(BookingRejected, payment_id=pid)
    await consume(uow, stripe, rejected)
    await consume(uow, stripe, rejected)
    assert stripe.count("cancel") == 1
    assert [e.reason for e in uow.events(PaymentVoided)] == ["booking_rejected"]


async def test_duplicate_stripe_events_verify_once() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id
    event = StripeEvent("evt_1", "payment_intent.succeeded", 1, "payment_intent", intent)
    assert await handle_stripe_event(uow, stripe, event, "webhook")
    assert not await handle_stripe_event(uow, stripe, event, "webhook")
    assert len(uow.events(PaymentVerified)) == 1  # the one from checkout's confirm


async def test_an_event_about_a_settled_payment_is_recorded_without_a_refetch() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _verified_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id
    await consume(uow, stripe, example(BookingConfirmed, payment_id=pid))
    stripe.calls.clear()
    event = StripeEvent("evt_2", "payment_intent.succeeded", 2, "payment_intent", intent)
    assert await handle_stripe_event(uow, stripe, event, "webhook")
    assert not await handle_stripe_event(uow, stripe, event, "webhook")
    assert stripe.calls == [] and uow.payments.rows[pid].status is PaymentStatus.CAPTURED
    balance = StripeEvent("evt_b", "balance.available", 2, "balance", "bal_1")  # not ours to act on
    assert await handle_stripe_event(uow, stripe, balance, "webhook")
    assert not await handle_stripe_event(uow, stripe, balance, "webhook")
    assert stripe.calls == []
    # an open payment's event is still decided on the re-fetched intent
    other = await _open_card(uow, stripe)
    opened = uow.payments.rows[other].stripe_payment_intent_id
    stripe.intents[opened or ""] = dataclasses.replace(
        stripe.intents[opened or ""], status="requires_capture"
    )
    stripe.calls.clear()
    event = StripeEvent("evt_3", "payment_intent.succeeded", 3, "payment_intent", opened)
    assert await handle_stripe_event(uow, stripe, event, "webhook")
    assert stripe.calls == [("retrieve", opened)]
    assert uow.payments.rows[other].status is PaymentStatus.VERIFIED


async def test_credit_checkout_refuses_when_too_few_and_writes_nothing() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    mentee = uuid.uuid4()
    hold = example(
        HoldPlaced,
        hold_id=uuid.uuid4(),
        mentee_id=mentee,
        price_in_credits=3,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    await consume(uow, stripe, hold)
    uow.credits.balances[mentee] = 2
    with pytest.raises(InsufficientCredits):
        await checkout.checkout_credits(
            uow,
            hold_id=hold.hold_id,
            caller=checkout.Caller(mentee),
            wait_s=0,
        )
    assert uow.events(PaymentVerified) == [] and uow.credits.balances[mentee] == 2


async def _authorized_in_browser(uow: FakePaymentsUnitOfWork, stripe: FakeStripe) -> uuid.UUID:
    """Checked out without a method, then authorized in the browser; no event yet."""
    pid = await _open_card(uow, stripe)
    intent = uow.payments.rows[pid].stripe_payment_intent_id or ""
    stripe.intents[intent] = dataclasses.replace(stripe.intents[intent], status="requires_capture")
    return pid


async def _hold_ends_after_the_browser_paid(ended: type) -> tuple[Any, FakeStripe, Payment]:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _authorized_in_browser(uow, stripe)
    row = uow.payments.rows[pid]
    await consume(uow, stripe, example(ended, hold_id=row.hold_id, mentee_id=row.mentee_id))
    return uow, stripe, row


async def test_an_authorization_for_a_released_hold_is_voided_never_verified() -> None:
    """DELETE /holds answered 204: the authorization made in the browser meanwhile is
    cancelled at Stripe (nothing charged) and booking is never asked to book it."""
    uow, stripe, row = await _hold_ends_after_the_browser_paid(HoldReleased)
    pid = row.payment_id
    assert stripe.intents[row.stripe_payment_intent_id or ""].status == "canceled"
    assert uow.payments.rows[pid].status is PaymentStatus.CANCELLED
    assert uow.events(PaymentVerified) == []
    [cancelled] = uow.events(PaymentCancelled)
    assert cancelled.reason == "hold_released"


async def test_an_authorization_for_an_expired_hold_is_left_for_booking_to_decide() -> None:
    """The rule both services share: a hold that expired before its authorization was seen
    is booked if a seat is still free (booking decides), else refused and voided."""
    uow, stripe, row = await _hold_ends_after_the_browser_paid(HoldExpired)
    pid = row.payment_id
    assert stripe.intents[row.stripe_payment_intent_id or ""].status == "requires_capture"
    assert uow.payments.rows[pid].status is PaymentStatus.VERIFIED
    assert len(uow.events(PaymentVerified)) == 1


async def test_a_declined_card_keeps_the_payment_open_and_another_card_pays_it() -> None:
    """A refusal is an attempt, not the end: 402 with Stripe's words, the payment stays
    open (booking keeps the hold), and a checkout with another card confirms the same
    PaymentIntent; the refusal is told once (PaymentFailed), the payment verified once."""
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    mentee = uuid.uuid4()
    hold = example(
        HoldPlaced, hold_id=uuid.uuid4(), mentee_id=mentee,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )  # fmt: skip
    await consume(uow, stripe, hold)

    async def pay(card: str) -> checkout.CheckoutResult:
        return await checkout.checkout_card(
            uow,
            stripe,
            hold_id=hold.hold_id, caller=checkout.Caller(mentee), payment_method=card,
            wait_s=0, takeover_s=30,
        )  # fmt: skip

    with pytest.raises(checkout.CardDeclined) as refused:
        await pay("pm_card_visa_chargeDeclined")
    declined = refused.value.payment
    assert declined.status is PaymentStatus.OPEN
    assert (declined.decline_code, declined.decline_message) == (
        "card_declined", "Your card was declined."
    )  # fmt: skip
    assert [e.failure_code for e in uow.events(PaymentFailed)] == ["card_declined"]
    assert uow.events(PaymentCancelled) == []  # nothing tells booking to let the hold go

    paid = await pay("pm_card_visa")
    assert not paid.created and paid.payment.payment_id == declined.payment_id
    assert paid.payment.status is PaymentStatus.VERIFIED
    assert stripe.count("create") == 1  # one PaymentIntent for the hold, paid by the 2nd card
    assert len(uow.events(PaymentVerified)) == 1 and len(uow.events(PaymentFailed)) == 1
    again = await pay("pm_card_visa")  # a retried request: nothing more happens
    assert again.payment.status is PaymentStatus.VERIFIED and stripe.count("confirm") == 2


async def test_a_declined_payment_is_cancelled_when_its_hold_expires() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    with pytest.raises(checkout.CardDeclined) as refused:
        await _card_checkout(uow, stripe, "pm_card_chargeCustomerFail")
    p = refused.value.payment
    await consume(uow, stripe, example(HoldExpired, hold_id=p.hold_id, mentee_id=p.mentee_id))
    assert uow.payments.rows[p.payment_id].status is PaymentStatus.CANCELLED
    assert stripe.intents[p.stripe_payment_intent_id or ""].status == "canceled"
    [cancelled] = uow.events(PaymentCancelled)
    assert cancelled.reason == "hold_expired"


async def test_the_browser_saying_it_confirmed_settles_the_payment_at_once() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    pid = await _authorized_in_browser(uow, stripe)
    row = uow.payments.rows[pid]
    result = await checkout.refresh_checkout(
        uow,
        stripe,
        pid,
        checkout.Caller(row.mentee_id),
    )
    assert result.payment.status is PaymentStatus.VERIFIED
    assert len(uow.events(PaymentVerified)) == 1
    with pytest.raises(checkout.UnknownPayment):  # someone else's checkout is not shown
        await checkout.refresh_checkout(uow, stripe, pid, checkout.Caller(uuid.uuid4()))
